import type { PlanNote } from '../../shared/plan'
import type { ExtendVocabResult } from '../tokenizer/extend-vocab'

/** Items listed in one note before "… and N more". */
const MAX_LISTED = 20

const ROLE_LABEL = { requested: '', intermediate: ' (partial)', character: ' (character)' } as const

/** Up to MAX_LISTED items joined with ", ", then "… and N more". */
function listed(items: string[]): string {
  const head = items.slice(0, MAX_LISTED).join(', ')
  return items.length > MAX_LISTED ? `${head}, … and ${items.length - MAX_LISTED} more` : head
}

/**
 * The plan decisions that say what a vocabulary extension adds (so the preflight, `--dry-run` and
 * the output's provenance show it): each requested token with its new id and how BPE split it
 * before; every new piece of model.vocab with its role; and the merges appended.
 */
export function describeExtension(ext: Pick<ExtendVocabResult, 'tokens' | 'newEntries' | 'merges'>): PlanNote[] {
  const notes: PlanNote[] = []
  if (ext.tokens.length) {
    const items = ext.tokens.map((t) => {
      const was = t.existing ? 'already a piece, now produced' : `was ${t.before.length} piece${t.before.length === 1 ? '' : 's'}: ${t.before.join(' · ')}`
      return `${JSON.stringify(t.content)} → ${t.piece} (id ${t.id}; ${was})${t.reachable ? '' : ' [kept with force: ordinary tokenization does not produce it]'}`
    })
    notes.push({ code: 'VOCAB_TOKENS', message: `${ext.tokens.length} token(s) become single vocabulary pieces: ${listed(items)}.` })
  }
  if (ext.newEntries.length) {
    const first = ext.newEntries[0].id
    const last = ext.newEntries[ext.newEntries.length - 1].id
    const count = (role: keyof typeof ROLE_LABEL) => ext.newEntries.filter((e) => e.role === role).length
    const parts = [
      [count('requested'), 'requested'],
      [count('intermediate'), 'partial (steps of the merge chains)'],
      [count('character'), 'character(s) that used byte fallback'],
    ]
      .filter(([n]) => n)
      .map(([n, what]) => `${n} ${what}`)
    notes.push({
      code: 'VOCAB_PIECES',
      message: `${ext.newEntries.length} piece(s) appended to tokenizer.json's model.vocab at ids ${first}${last !== first ? `–${last}` : ''} (${parts.join(', ')}): ${listed(ext.newEntries.map((e) => `${e.piece}${ROLE_LABEL[e.role]}`))}.`,
    })
  }
  if (ext.merges.length) {
    notes.push({
      code: 'VOCAB_MERGES',
      message: `${ext.merges.length} merge(s) appended after the existing ones (lowest priority: they apply only where no existing merge does): ${listed(ext.merges.map(([a, b]) => `${a} + ${b}`))}.`,
    })
  }
  return notes
}
