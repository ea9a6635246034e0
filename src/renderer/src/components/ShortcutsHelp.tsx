import { Dialog } from '../features/flow/Dialog'
import type { NavShortcuts } from '../lib/use-nav-shortcuts'
import '../features/flow/flow.css'

/** A key as a keycap. */
function Keys({ keys }: { keys: string[] }) {
  return (
    <span className="keys">
      {keys.map((k, i) => (
        <span key={i}>
          {i > 0 ? <span className="subtle"> then </span> : null}
          <kbd>{k}</kbd>
        </span>
      ))}
    </span>
  )
}

/** The keyboard shortcuts of this mode (desktop or browser), opened with "?" or the sidebar's button. */
export function ShortcutsHelp({ nav }: { nav: NavShortcuts }) {
  const { mode, mac, screens, helpOpen, setHelpOpen } = nav
  return (
    <Dialog id="shortcuts-help" open={helpOpen} title="Keyboard shortcuts" onClose={() => setHelpOpen(false)}>
      <table className="shortcuts-table">
        <caption className="sr-only">Open a screen</caption>
        <thead>
          <tr>
            <th scope="col">Screen</th>
            <th scope="col">Keys</th>
            <th scope="col">or</th>
          </tr>
        </thead>
        <tbody>
          {screens.map((s) => (
            <tr key={s.label}>
              <th scope="row">{s.label}</th>
              <td>{s.digit ? <Keys keys={[s.digit]} /> : null}</td>
              <td>{s.letter ? <Keys keys={['G', s.letter.toUpperCase()]} /> : null}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">This help</th>
            <td>
              <Keys keys={['?']} />
            </td>
            <td />
          </tr>
          <tr>
            <th scope="row">Close a dialog</th>
            <td>
              <Keys keys={['Esc']} />
            </td>
            <td />
          </tr>
        </tbody>
      </table>
      <p className="field-hint">
        {mode === 'web'
          ? `In a browser, ${mac ? '⌘' : 'Ctrl+'}1…8 switch the browser’s tabs, so Graft uses ${mac ? '⌥' : 'Alt+'}1…9 here; where the browser takes those too, G then a letter always works.`
          : `In the desktop app, ${mac ? '⌘' : 'Ctrl+'}1…9 open the screens, also from a text field.`}{' '}
        Letter shortcuts and “?” do nothing while you type in a field.
      </p>
    </Dialog>
  )
}
