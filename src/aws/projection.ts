// A ProjectionExpression for a list of top-level attribute names. Every name goes through ExpressionAttributeNames
// (#p0, #p1, …): names with dots, spaces, '#' or reserved words then mean the attribute itself, never a path.
export interface Projection {
  expression: string;
  names: Record<string, string>;
}

export function projectionOf(attributes: readonly string[]): Projection {
  const unique = [...new Set(attributes)];
  const names: Record<string, string> = {};
  unique.forEach((name, i) => (names[`#p${i}`] = name));
  return { expression: Object.keys(names).join(', '), names };
}
