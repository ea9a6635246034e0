import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where web mode keeps settings: $GRAFT_CONFIG_DIR, else $XDG_CONFIG_HOME/graft, else ~/.config/graft. */
export function webConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GRAFT_CONFIG_DIR) return env.GRAFT_CONFIG_DIR
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'graft')
  return join(homedir(), '.config', 'graft')
}
