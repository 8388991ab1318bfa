/**
 * `text` with the character at `index` replaced by one that is certainly different. Replacing it with a fixed
 * character instead leaves a random signature or token unchanged whenever it already held that character (1 in 64 for
 * base64), and the test that expects a refusal then fails at random.
 */
export function changeCharAt(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}
