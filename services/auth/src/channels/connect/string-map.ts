import type { PinlineError } from '../../core/errors.ts'
import type { Caller } from '../../core/ports.ts'

// Connect's STRING_MAP contract: a flat object of string values under 32 KB. Our own
// values (codes, flags, numbers, challenge ids) keep to letters, digits, - and _,
// the subset the Connect docs call safe; profile fields are passed as stored.
export type StringMap = Record<string, string>
export type ConnectResult = StringMap & { lambdaResult: 'Success' | 'Error' }

/** Connect flows compare against the literal strings "True" and "False". */
export const flag = (value: boolean): 'True' | 'False' => (value ? 'True' : 'False')

export function success(attributes: StringMap): ConnectResult {
  return { lambdaResult: 'Success', ...attributes }
}

/** Every failure: the flow branches on errorCode, and waits retryAfterSeconds where one applies. */
export function errorMap(err: PinlineError): ConnectResult {
  return {
    lambdaResult: 'Error',
    errorCode: err.code,
    ...(err.retryAfter === undefined ? {} : { retryAfterSeconds: String(err.retryAfter) }),
  }
}

/** The profile attributes a flow reads (never a PIN). */
export function profile(caller: Caller): StringMap {
  return {
    firstName: caller.firstName,
    lastName: caller.lastName,
    custLevel: caller.custLevel,
    language: caller.language,
  }
}
