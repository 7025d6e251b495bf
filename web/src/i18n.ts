// The page's own words in English and Japanese. The bot and the contact flow speak for
// themselves: the chat answers in the bot locale, the call in the flow's prompts.

export type Lang = 'en' | 'ja'

const en = {
  title: 'playground',
  tabs: 'Try',
  phone: 'Phone call',
  chat: 'Chat order',
  modeLocal: 'Local mode: this service; SMS go to the outbox',
  modeAws: 'AWS mode: the deployed bot, PIN encrypted with KMS in this browser',
  phoneHint: 'Call the contact centre: the shipped contact flow runs step by step and asks this service who you are.',
  callerId: 'Your number (caller ID)',
  call: 'Call',
  hangup: 'Hang up',
  speak: 'Read prompts aloud',
  keypad: 'Keypad',
  keypadHint: 'Type digits, * and # on your keyboard too. # ends the code.',
  calling: (n: string) => `Calling from ${n}…`,
  withheld: 'Calling with a withheld number…',
  keyed: (k: string) => `You keyed ${k}`,
  timeout: 'You keyed nothing (timeout)',
  lambda: (a: string, r: string) => `Lambda ${a}: ${r}`,
  connected: (who: string) => `Connected to an agent: ${who}`,
  unverified: 'unverified caller',
  auth: {
    PIN: 'Verified with a PIN on this call.',
    CALLER_ID: 'Recognised by caller ID (no PIN on this call).',
    NONE: 'Not verified.',
    verified: 'Verified.',
  } as Record<string, string>,
  disconnected: 'The call ended.',
  hungUp: 'You hung up.',
  failed: (m: string) => `The call failed: ${m}`,
  enterNumber: 'Enter the number you are calling from.',
  chatHint:
    'Order food from the bot. The menu is free; ordering needs a PIN sent by SMS to the number registered for your e-mail.',
  email: 'E-mail',
  chatPhone: 'Mobile number for the PIN',
  register: 'Register',
  registered: (e: string, n: string) => `${e} now finds ${n}.`,
  registerFailed: (m: string) => `Could not register: ${m}`,
  message: 'Message',
  send: 'Send',
  quick: 'Quick replies',
  quickMenu: 'Menu',
  quickDone: "That's all",
  pinPlaceholder: 'The PIN from the SMS',
  textPlaceholder: 'Ask for the menu or a dish',
  encrypted: (n: number) => `${'•'.repeat(n)} (encrypted in this browser)`,
  orderDone: (o: string) => `Thank you! Your order: ${o}`,
  orderEmpty: 'Thank you! You ordered nothing this time.',
  needEmail: 'Enter your e-mail first.',
  chatFailed: (m: string) => `The bot did not answer: ${m}`,
  outbox: 'SMS outbox',
  outboxHint: 'What the log SMS provider would have sent, as it happens.',
  outboxEmpty: 'No SMS yet.',
}

const ja: typeof en = {
  title: 'プレイグラウンド',
  tabs: '試す',
  phone: '電話',
  chat: 'チャットで注文',
  modeLocal: 'ローカルモード: このサービスを使用し、SMS は送信箱に届きます',
  modeAws: 'AWS モード: デプロイ済みのボット。PIN はこのブラウザーで KMS により暗号化されます',
  phoneHint:
    'コンタクトセンターに電話します。出荷されたコンタクトフローが一手ずつ実行され、このサービスに発信者を確認します。',
  callerId: 'あなたの番号 (発信者番号)',
  call: '発信',
  hangup: '切る',
  speak: 'ガイダンスを読み上げる',
  keypad: 'キーパッド',
  keypadHint: 'キーボードの数字、*、# も使えます。# でコードの入力を終えます。',
  calling: (n: string) => `${n} から発信中…`,
  withheld: '非通知で発信中…',
  keyed: (k: string) => `入力: ${k}`,
  timeout: '入力なし (タイムアウト)',
  lambda: (a: string, r: string) => `Lambda ${a}: ${r}`,
  connected: (who: string) => `オペレーターにつながりました: ${who}`,
  unverified: '未確認の発信者',
  auth: {
    PIN: 'この通話で PIN により確認しました。',
    CALLER_ID: '発信者番号で識別しました (この通話では PIN なし)。',
    NONE: '確認できませんでした。',
    verified: '確認済みです。',
  },
  disconnected: '通話が終了しました。',
  hungUp: '電話を切りました。',
  failed: (m: string) => `通話に失敗しました: ${m}`,
  enterNumber: '発信元の番号を入力してください。',
  chatHint:
    'ボットに料理を注文します。メニューは自由に見られます。注文には、メールアドレスに登録された番号へ SMS で届く PIN が必要です。',
  email: 'メールアドレス',
  chatPhone: 'PIN を受け取る携帯番号',
  register: '登録',
  registered: (e: string, n: string) => `${e} に ${n} を登録しました。`,
  registerFailed: (m: string) => `登録できませんでした: ${m}`,
  message: 'メッセージ',
  send: '送信',
  quick: 'クイック返信',
  quickMenu: 'メニュー',
  quickDone: '以上です',
  pinPlaceholder: 'SMS の PIN',
  textPlaceholder: 'メニューや料理名を入力',
  encrypted: (n: number) => `${'•'.repeat(n)} (このブラウザーで暗号化)`,
  orderDone: (o: string) => `ありがとうございました。ご注文: ${o}`,
  orderEmpty: 'ありがとうございました。今回はご注文がありません。',
  needEmail: '先にメールアドレスを入力してください。',
  chatFailed: (m: string) => `ボットが応答しませんでした: ${m}`,
  outbox: 'SMS 送信箱',
  outboxHint: 'ログ SMS プロバイダーが送ったはずのメッセージを、その場で表示します。',
  outboxEmpty: 'SMS はまだありません。',
}

export type Texts = typeof en
export const texts: Record<Lang, Texts> = { en, ja }

/** ?lang=ja, else the browser's first language, else English. */
export function initialLang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang')
  if (asked === 'en' || asked === 'ja') return asked
  return navigator.language?.toLowerCase().startsWith('ja') ? 'ja' : 'en'
}
