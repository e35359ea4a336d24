/** The summed length of texts (UTF-16 units): what progress and estimates count a page of records as. */
export function totalLength(texts: readonly string[]): number {
  let length = 0;
  for (let i = 0; i < texts.length; i++) length += texts[i]!.length;
  return length;
}
