/** The safetensors dtype table: every name the reference reader accepts, with its width in bits. */
export const DTYPE_BITS = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  I64: 64,
  U64: 64,
  F64: 64,
  C64: 64,
} as const

export type Dtype = keyof typeof DTYPE_BITS

/** Dtypes Graft computes with (exact conversions to and from f32). Others are copied through. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const
export type FloatDtype = (typeof FLOAT_DTYPES)[number]

export function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BITS, x)
}

export function isFloatDtype(x: string): x is FloatDtype {
  return (FLOAT_DTYPES as readonly string[]).includes(x)
}

/** Bytes per element for byte-aligned dtypes; sub-byte dtypes return a fraction. */
export function dtypeBytes(d: Dtype): number {
  return DTYPE_BITS[d] / 8
}

/**
 * safetensors writer order: descending by this rank, then by name (safetensors `prepare`).
 * The Rust enum is declared in increasing-alignment order.
 */
export const DTYPE_ORDER: Dtype[] = [
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
  'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64', 'C64',
]
