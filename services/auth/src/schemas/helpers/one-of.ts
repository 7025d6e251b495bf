import { Type, type TLiteral, type TSchemaOptions, type TUnion } from 'typebox'

/** A union of string literals from a const list, typed as such (the list stays the one source). */
export function OneOf<const T extends readonly string[]>(values: T, options?: TSchemaOptions) {
  type Literals = { -readonly [K in keyof T]: TLiteral<T[K]> }
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<Literals>
}
