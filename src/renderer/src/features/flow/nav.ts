/** Where one screen can send the user, with what prefilled (the App owns the screens). */
export type NavTarget =
  | { screen: 'inspect'; path: string; newFrom?: number }
  | { screen: 'tokens'; base?: string; tab?: 'add' | 'resize'; newSize?: number }
  | { screen: 'merge'; base?: string; adapter?: string }
  | { screen: 'compare'; tokenizers: string[] }

export type Navigate = (target: NavTarget) => void

/** A navigation request as a screen receives it: `seq` changes with every request, even a repeated one. */
export type NavRequest<S extends NavTarget['screen']> = (Extract<NavTarget, { screen: S }> & { seq: number }) | null
