/**
 * Sentences of lower-case tokens. Rules (stated once, used by the testbed, the fixture script and the tests):
 * - curly apostrophes become ', everything is lower-cased, lines starting "CHAPTER" (headings) are dropped;
 * - a sentence ends at . ! ? and at a blank line (paragraph end);
 * - a token is a word, letters with inner apostrophes (`whale's`), or one of the marks `, ; : —`; every other
 *   character (quotes, brackets, digits, hyphens) separates tokens and is dropped.
 */
export const PUNCTUATION: readonly string[] = [",", ";", ":", "—"];

const TOKEN = /[a-z]+(?:'[a-z]+)*|[,;:—]/g;

export function sentences(text: string): string[][] {
  const out: string[][] = [];
  const body = text
    .replace(/[’‘]/g, "'")
    .split(/\r?\n/)
    .filter((line) => !/^\s*CHAPTER\b/.test(line))
    .join("\n")
    .toLowerCase();
  for (const paragraph of body.split(/\n\s*\n/))
    for (const piece of paragraph.split(/[.!?]+/)) {
      const tokens = piece.match(TOKEN);
      if (tokens && tokens.some((t) => !PUNCTUATION.includes(t))) out.push(stripEdgeMarks(tokens));
    }
  return out;
}

// A sentence neither starts nor ends with a mark (", and so" → "and so").
function stripEdgeMarks(tokens: string[]): string[] {
  let a = 0,
    b = tokens.length;
  while (a < b && PUNCTUATION.includes(tokens[a])) a++;
  while (b > a && PUNCTUATION.includes(tokens[b - 1])) b--;
  return tokens.slice(a, b);
}
