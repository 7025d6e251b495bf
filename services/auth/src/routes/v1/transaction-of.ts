/** The three fields as the core takes them: none given, none; any given, all (the core says which is wrong). */
export function transactionOf(t: {
  amount?: string | undefined
  currency?: string | undefined
  payee?: string | undefined
}) {
  if (t.amount === undefined && t.currency === undefined && t.payee === undefined) return undefined
  return { amount: t.amount ?? '', currency: t.currency ?? '', payee: t.payee ?? '' }
}
