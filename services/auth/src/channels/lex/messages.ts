import { formatPrice, type LocalisedItem } from '../../core/menu.ts'
import type { Locale } from '../../core/ports.ts'
import type { PendingReason } from '../../core/sessions.ts'
import { digits, spoken, unmarked } from './speech.ts'

export interface OrderedLine {
  name: string
  quantity: number
  price?: number | undefined
  currency?: string | undefined
}

// Everything the bot says, in each language. Numbers are read out as "ending in 1234"
// rather than "***1234": speech synthesis reads asterisks aloud.
export interface BotTexts {
  menu(items: LocalisedItem[]): string
  askFood(names: string[]): string
  unknownFood(said: string, names: string[]): string
  verified: string
  added(name: string, order: OrderedLine[]): string
  pinSent(last4: string): string
  /** LEX_PIN_CHANNEL voice (or auto, for a fixed line): the PIN is read out on a call. */
  pinCalled(last4: string): string
  newPinSent(last4: string): string
  pinPending(last4: string, reason: PendingReason, seconds: number): string
  /** A PIN is still being sent (an earlier request); asking again after `seconds` sends one if it never went. */
  pinOnItsWay(seconds: number | undefined): string
  wrongPin: string
  unreadablePin: string
  badPinFormat: string
  expiredPin: string
  locked(seconds: number | undefined): string
  sendLimit(seconds: number | undefined): string
  /** Too many turns from this conversation or bot (the channel limits). */
  busy(seconds: number | undefined): string
  noContact: string
  /** The number's country (or network) is not on SMS_ALLOWED_COUNTRIES. */
  destinationNotAllowed: string
  noEmail: string
  smsFailed: string
  encryptionOff: string
  orderLimit: string
  unknownIntent: string
  malformed: string
  unavailable: string
  /** A call from a number the registry does not know: no order can be taken on it. */
  unknownNumber: string
  /** A call with no usable caller number (withheld) and nothing else to identify the caller. */
  noCallerNumber: string
  /** destinationNotAllowed, for a caller identified by the number they call from. */
  callerNumberNotAllowed: string
  /** "That's all": the order as it stands, and goodbye. */
  summary(order: OrderedLine[]): string
  nothingOrdered: string
}

// An amount as a screen shows it ("¥1,200") and as a voice should say it ("1,200 Japanese yen").
const saidPrices = new Map<string, Intl.NumberFormat>()
function price(amount: number, currency: string, locale: Locale): string {
  const key = `${locale} ${currency}`
  let said = saidPrices.get(key)
  if (!said) {
    said = new Intl.NumberFormat(locale === 'ja' ? 'ja-JP' : 'en-US', {
      style: 'currency',
      currency,
      currencyDisplay: 'name',
    })
    saidPrices.set(key, said)
  }
  return spoken(formatPrice(amount, currency, locale), said.format(amount))
}

function total(order: OrderedLine[], locale: Locale): string {
  const sums = new Map<string, number>()
  for (const l of order)
    if (l.price !== undefined && l.currency) sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.price * l.quantity)
  return [...sums].map(([currency, sum]) => price(sum, currency, locale)).join(' + ')
}

// "1 × Pizza" on a screen; a voice would say "times", so it says "1 Pizza".
const enLines = (order: OrderedLine[]) =>
  order.map((l) => spoken(`${l.quantity} × ${l.name}`, `${l.quantity} ${l.name}`)).join(', ')
const jaLines = (order: OrderedLine[]) =>
  order.map((l) => spoken(`${l.name}×${l.quantity}`, `${l.name}を${l.quantity}つ`)).join('、')

// A wait read out in the largest unit that stays natural: minutes up to two hours, hours up
// to two days, then days (a number locked by its failure streak waits weeks).
function wait(s: number | undefined): { n: number; unit: 'minute' | 'hour' | 'day' } {
  const minutes = Math.max(1, Math.ceil((s ?? 60) / 60))
  if (minutes <= 120) return { n: minutes, unit: 'minute' }
  const hours = Math.ceil(minutes / 60)
  return hours <= 48 ? { n: hours, unit: 'hour' } : { n: Math.ceil(hours / 24), unit: 'day' }
}
const enWait = (s: number | undefined) => {
  const w = wait(s)
  return spoken(`${w.n} ${w.unit}(s)`, `${w.n} ${w.unit}${w.n === 1 ? '' : 's'}`)
}
const jaWait = (s: number | undefined) => {
  const w = wait(s)
  return `${w.n}${{ minute: '分', hour: '時間', day: '日' }[w.unit]}`
}

const enEnter = spoken('Please enter it.', 'Please say it, or key it in.')
const jaEnter = spoken('PINを入力してください。', 'PINをおっしゃるか、番号ボタンで入力してください。')

const en: BotTexts = {
  menu: (items) =>
    `Here is our menu: ${items.map((i) => `${i.name} (${price(i.price, i.currency, 'en')})`).join(', ')}. What would you like to order?`,
  askFood: (names) => `What would you like to order? We have ${names.join(', ')}.`,
  unknownFood: (said, names) =>
    `Sorry, "${unmarked(said)}" is not on our menu. We have ${names.join(', ')}. What would you like?`,
  verified: 'Thank you, you are verified. ',
  added: (name, order) =>
    `I've added ${name} to your order. Your order so far: ${enLines(order)} (total ${total(order, 'en')}). Would you like anything else?`,
  pinSent: (last4) =>
    `To place an order I need to check it's you. I've sent a one-time PIN by text message to your number ending in ${digits(last4)}. ${enEnter}`,
  pinCalled: (last4) =>
    `To place an order I need to check it's you. I'm calling your number ending in ${digits(last4)} to read you a one-time PIN. ${enEnter}`,
  newPinSent: (last4) => `I've sent a new PIN to your number ending in ${digits(last4)}. ${enEnter}`,
  pinPending: (last4, reason, s) =>
    reason === 'RESEND_COOLDOWN'
      ? `Please enter the PIN we sent to your number ending in ${digits(last4)}. A new PIN can be sent in about ${s} seconds.`
      : `Please enter the most recent PIN we sent to your number ending in ${digits(last4)}; we can't send another one right now.`,
  pinOnItsWay: (s) =>
    `A PIN is already on its way to you by text message. Please enter it when it arrives; if nothing has come in about ${s ?? 15} seconds, just reply and I'll try again.`,
  wrongPin: 'That PIN is not correct. ',
  unreadablePin: "I couldn't read that PIN. ",
  badPinFormat: "That doesn't look like the PIN we sent: please enter just the digits. ",
  expiredPin: 'That PIN has expired. ',
  locked: (s) => `Too many incorrect PINs. For your security, please try again in ${enWait(s)}.`,
  sendLimit: (s) => `We've sent as many PINs as we can for now. Please try again in ${enWait(s)}.`,
  busy: (s) => `We're receiving too many requests right now. Nothing was ordered; please try again in ${enWait(s)}.`,
  noContact:
    "I couldn't find a phone number registered to your e-mail address, so I can't send you a PIN. Please contact support.",
  destinationNotAllowed:
    "I can't send a PIN to the phone number registered to your e-mail address. Please contact support.",
  noEmail: 'I need the e-mail address you signed in with to take an order. Please sign in again, or contact support.',
  smsFailed: "I couldn't send the PIN just now. Nothing was ordered; please try again in a moment.",
  encryptionOff: "This chat can't accept encrypted PINs at the moment. Please contact support.",
  orderLimit: "That's more of one item than we can take in a single order.",
  unknownIntent: 'Sorry, I can show you the menu or take your food order.',
  malformed: "Sorry, I couldn't process that request. Please start again.",
  unavailable: 'Sorry, something went wrong on our side and nothing was ordered. Please try again in a moment.',
  unknownNumber:
    "I couldn't find an account for the number you're calling from, so I can't take an order on this call. Please call from your registered number, or contact support.",
  noCallerNumber:
    "I can't see the number you're calling from, so I can't take an order on this call. Please call again without hiding your number, or contact support.",
  callerNumberNotAllowed: "I can't send a PIN to the number you're calling from. Please contact support.",
  summary: (order) => `Thank you. Your order: ${enLines(order)} (total ${total(order, 'en')}). Goodbye!`,
  nothingOrdered: 'All right, nothing has been ordered. Goodbye!',
}

const ja: BotTexts = {
  menu: (items) =>
    `メニューはこちらです：${items.map((i) => `${i.name}（${price(i.price, i.currency, 'ja')}）`).join('、')}。ご注文は何になさいますか？`,
  askFood: (names) => `ご注文は何になさいますか？（${names.join('、')}）`,
  unknownFood: (said, names) =>
    `申し訳ありません、「${unmarked(said)}」はメニューにありません。${names.join('、')}からお選びください。`,
  verified: '認証が完了しました。',
  added: (name, order) =>
    `${name}をご注文に追加しました。現在のご注文：${jaLines(order)}（合計${total(order, 'ja')}）。他にご注文はありますか？`,
  pinSent: (last4) =>
    `ご注文の前にご本人確認をいたします。末尾${digits(last4)}の電話番号にSMSでワンタイムPINをお送りしました。${jaEnter}`,
  pinCalled: (last4) =>
    `ご注文の前にご本人確認をいたします。末尾${digits(last4)}の電話番号にお電話でワンタイムPINをお伝えします。${jaEnter}`,
  newPinSent: (last4) => `末尾${digits(last4)}の電話番号に新しいPINをお送りしました。${jaEnter}`,
  pinPending: (last4, reason, s) =>
    reason === 'RESEND_COOLDOWN'
      ? `末尾${digits(last4)}の電話番号にお送りしたPINを入力してください。新しいPINは約${s}秒後にお送りできます。`
      : `末尾${digits(last4)}の電話番号に最後にお送りしたPINを入力してください。現在これ以上PINをお送りできません。`,
  pinOnItsWay: (s) =>
    `PINをSMSでお送りしているところです。届きましたら入力してください。約${s ?? 15}秒たっても届かない場合は、もう一度お知らせください。`,
  wrongPin: 'PINが正しくありません。',
  unreadablePin: 'PINを読み取れませんでした。',
  badPinFormat: 'お送りしたPINの形式と異なります。数字のみを入力してください。',
  expiredPin: 'PINの有効期限が切れました。',
  locked: (s) => `PINの誤りが多すぎます。安全のため、${jaWait(s)}後にもう一度お試しください。`,
  sendLimit: (s) => `現在これ以上PINをお送りできません。${jaWait(s)}後にもう一度お試しください。`,
  busy: (s) => `ただいまリクエストが集中しています。ご注文は確定していません。${jaWait(s)}後にもう一度お試しください。`,
  noContact:
    'ご登録のメールアドレスに紐づく電話番号が見つからないため、PINをお送りできません。サポートまでお問い合わせください。',
  destinationNotAllowed: 'ご登録の電話番号にはPINをお送りできません。サポートまでお問い合わせください。',
  noEmail:
    'ご注文にはサインインしたメールアドレスが必要です。もう一度サインインするか、サポートまでお問い合わせください。',
  smsFailed: 'ただいまPINを送信できませんでした。ご注文は確定していません。しばらくしてからもう一度お試しください。',
  encryptionOff: '現在このチャットでは暗号化されたPINを受け付けられません。サポートまでお問い合わせください。',
  orderLimit: '1回のご注文でお受けできる数量を超えています。',
  unknownIntent: '申し訳ありません。メニューのご案内とお料理のご注文を承っております。',
  malformed: '申し訳ありません、リクエストを処理できませんでした。最初からやり直してください。',
  unavailable:
    '申し訳ありません、システムで問題が発生しました。ご注文は確定していません。しばらくしてからもう一度お試しください。',
  unknownNumber:
    'おかけいただいた電話番号のご登録が見つからないため、このお電話ではご注文を承れません。ご登録の番号からおかけ直しいただくか、サポートまでお問い合わせください。',
  noCallerNumber:
    '電話番号が通知されていないため、このお電話ではご注文を承れません。番号を通知しておかけ直しいただくか、サポートまでお問い合わせください。',
  callerNumberNotAllowed: 'おかけいただいた電話番号にはPINをお送りできません。サポートまでお問い合わせください。',
  summary: (order) => `ありがとうございました。ご注文は、${jaLines(order)}（合計${total(order, 'ja')}）です。`,
  nothingOrdered: 'かしこまりました。ご注文はございません。ご利用ありがとうございました。',
}

export const botTexts: Record<Locale, BotTexts> = { en, ja }
