// Include/exclude filters: exact names or glob patterns where * matches any run of characters and ? one.

export function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export interface TableFilter {
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

export function makeTableFilter({ include, exclude }: TableFilter): (table: string) => boolean {
  const includes = (include ?? []).map(globToRegExp);
  const excludes = (exclude ?? []).map(globToRegExp);
  return (table) =>
    (includes.length === 0 || includes.some((re) => re.test(table))) && !excludes.some((re) => re.test(table));
}
