/** What the simulated processor answers for a card. */
export type ProcessorOutcome = 'succeeded' | 'card_declined' | 'insufficient_funds' | 'processor_unavailable';

/** The test cards, the way card networks publish them; every other valid number succeeds. */
const TEST_CARDS: Readonly<Record<string, ProcessorOutcome>> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000119': 'processor_unavailable',
};

/** True when the digits pass the Luhn checksum. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The card brand from its leading digits (what may be stored, with the last four). */
export function cardBrand(digits: string): string {
  if (digits.startsWith('4')) return 'visa';
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  return 'other';
}

/** True when an MM/YY expiry is the current month or later. */
export function notExpired(expiry: string, now = new Date()): boolean {
  const [mm, yy] = expiry.split('/').map(Number);
  const year = 2000 + yy!;
  const month = mm!;
  return year > now.getUTCFullYear() || (year === now.getUTCFullYear() && month >= now.getUTCMonth() + 1);
}

/** The simulated processor: deterministic by card number. */
export function processCard(digits: string): ProcessorOutcome {
  return TEST_CARDS[digits] ?? 'succeeded';
}
