/** The element with this data-testid (the page's automation hooks double as its own handles). */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`)
  if (!el) throw new Error(`the page has no ${id}`)
  return el
}

/** Appends a line to a log list and keeps it in view. */
export function logLine(list: HTMLElement, kind: string, text: string): HTMLLIElement {
  const li = document.createElement('li')
  li.className = kind
  li.textContent = text
  list.append(li)
  li.scrollIntoView({ block: 'nearest' })
  return li
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
