// Schema drift: DynamoDB has no schema, so items can carry attributes that discover's sample never saw, or values of
// a type the stream's schema does not allow (a number attribute holding a string in some items). Every record is
// checked against the schema the destination was given, on its JSON text (recordMembers.ts), and two things come
// out, in neither protocol's words:
//   - announcements: the first record needing a wider schema (a new attribute, or a new kind for a known one), so
//     the protocol adapter can widen the schema it sent before that record goes out (Singer: a new SCHEMA);
//   - counts: per attribute, how many records were outside the catalog's schema, for the WARN a user acts on.
// Records are never changed or dropped here.
import type { JsonObject, JsonValue } from '../util/json.js';
import { ANY_KIND, decodeName, Kind, kindNames, scanMemberSpans } from './recordMembers.js';

/** One attribute needing a wider schema than the one last announced. */
export interface DriftChange {
  attribute: string;
  /** The kinds (a Kind mask) seen for the first time: not allowed by the schema, not announced before. */
  kinds: number;
  /** Whether the catalog's schema has the attribute (then this is a type conflict; otherwise a new attribute). */
  inSchema: boolean;
}

/** Changes to announce before the record at `index` of a page. */
export interface DriftAnnouncement {
  index: number;
  changes: DriftChange[];
}

interface Outside {
  inSchema: boolean;
  /** Per kind outside the schema (a Kind bit), the records that held it. */
  records: Map<number, number>;
}

export class SchemaDrift {
  /** Kinds the catalog's schema allows per attribute: what the counts are measured against. */
  private readonly catalog = new Map<string, number>();
  /** Kinds allowed or already announced per attribute: what a new announcement is measured against. */
  private readonly announced = new Map<string, number>();
  private readonly outside = new Map<string, Outside>();
  private pending: DriftChange[] = [];
  /** The names and allowed kinds of the last record's members, by position: records of a table mostly repeat
   *  their attributes in the same order, so a member is usually known by comparing text in place (no string is
   *  built, no map lookup). */
  private readonly lastNames: string[] = [];
  private readonly lastAllowed: number[] = [];
  private position = 0;
  private readonly visit = (text: string, open: number, close: number, kind: Kind): void => {
    const at = this.position++;
    const known = this.lastNames[at];
    let allowed: number;
    if (known !== undefined && known !== '' && close - open - 1 === known.length && text.startsWith(known, open + 1)) {
      allowed = this.lastAllowed[at]!;
      if ((allowed & kind) !== 0) return;
      this.member(known, kind);
      return;
    }
    const name = decodeName(text, open, close);
    allowed = this.catalog.get(name) ?? 0;
    // A name holding a backslash could match escaped text of another name: never known in place.
    this.lastNames[at] = name.includes('\\') ? '' : name;
    this.lastAllowed[at] = allowed;
    if ((allowed & kind) === 0) this.member(name, kind);
  };

  /**
   * @param schema the stream's JSON schema as the destination knows it (its `properties`)
   * @param alwaysAllowed attributes the connector adds itself (CDC columns): never drift
   */
  constructor(schema: JsonObject, alwaysAllowed: readonly string[] = []) {
    const properties = schema.properties as { [name: string]: JsonValue } | undefined;
    for (const name of Object.keys(properties ?? {})) this.catalog.set(name, allowedKinds(properties![name]));
    for (const name of alwaysAllowed) this.catalog.set(name, ANY_KIND);
    for (const [name, mask] of this.catalog) this.announced.set(name, mask);
  }

  /** A schema to check against, or undefined when it names no properties at all (nothing to drift from). */
  static of(schema: JsonObject | undefined, alwaysAllowed: readonly string[] = []): SchemaDrift | undefined {
    const properties = schema?.properties;
    if (properties === undefined || properties === null || typeof properties !== 'object' || Array.isArray(properties)) return undefined;
    return new SchemaDrift(schema!, alwaysAllowed);
  }

  /** Checks a page of record texts; returns where changes must be announced (usually nothing). */
  check(texts: readonly string[]): DriftAnnouncement[] | undefined {
    let announcements: DriftAnnouncement[] | undefined;
    for (let index = 0; index < texts.length; index++) {
      this.position = 0;
      scanMemberSpans(texts[index]!, this.visit);
      if (this.pending.length > 0) {
        (announcements ??= []).push({ index, changes: this.pending });
        this.pending = [];
      }
    }
    return announcements;
  }

  private member(name: string, kind: Kind): void {
    const allowed = this.catalog.get(name);
    if (allowed !== undefined && (allowed & kind) !== 0) return;
    let outside = this.outside.get(name);
    if (outside === undefined) this.outside.set(name, (outside = { inSchema: allowed !== undefined, records: new Map() }));
    outside.records.set(kind, (outside.records.get(kind) ?? 0) + 1);
    const announced = this.announced.get(name) ?? 0;
    if ((announced & kind) === 0) {
      this.announced.set(name, announced | kind);
      const change = this.pending.find((c) => c.attribute === name);
      if (change !== undefined) change.kinds |= kind;
      else this.pending.push({ attribute: name, kinds: kind, inSchema: allowed !== undefined });
    }
  }

  /**
   * What is outside the catalog's schema so far, in words, or undefined when nothing is: e.g.
   * `color (not in the schema: string in 12 records), price (number in the schema; string in 3 records)`.
   */
  summary(): string | undefined {
    if (this.outside.size === 0) return undefined;
    const parts: string[] = [];
    for (const [name, outside] of [...this.outside].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const seen = [...outside.records].sort(([a], [b]) => a - b).map(([kind, n]) => `${kindNames(kind)[0]} in ${n} record${n === 1 ? '' : 's'}`);
      const schemaTypes = typeNames(this.catalog.get(name) ?? 0).filter((t) => t !== 'null');
      const where = outside.inSchema ? `${schemaTypes.join('/') || 'null'} in the schema; ` : 'not in the schema: ';
      parts.push(`${JSON.stringify(name)} (${where}${seen.join(', ')})`);
    }
    return parts.join(', ');
  }
}

const TYPE_KINDS: ReadonlyMap<string, number> = new Map([
  ['string', Kind.String],
  ['integer', Kind.Integer],
  ['number', Kind.Integer | Kind.Number],
  ['boolean', Kind.Boolean],
  ['null', Kind.Null],
  ['object', Kind.Object],
  ['array', Kind.Array],
]);

/** The kinds a property's schema allows: its `type` (a name or a list); anything without one allows every kind. */
export function allowedKinds(property: JsonValue | undefined): number {
  if (property === null || typeof property !== 'object' || Array.isArray(property)) return ANY_KIND;
  if (property.anyOf !== undefined || property.oneOf !== undefined || property.allOf !== undefined) return ANY_KIND;
  const type = property.type;
  const names = typeof type === 'string' ? [type] : Array.isArray(type) ? type : undefined;
  if (names === undefined) return ANY_KIND;
  let mask = 0;
  for (const name of names) mask |= typeof name === 'string' ? (TYPE_KINDS.get(name) ?? 0) : 0;
  return mask;
}

/** JSON schema type names for a Kind mask, `number` standing for integers too. */
function typeNames(mask: number): string[] {
  const names = kindNames(mask);
  return (mask & Kind.Number) !== 0 ? names.filter((n) => n !== 'integer') : names;
}

/**
 * The schema widened by drift changes: a new attribute becomes a nullable property of the kinds seen, a known one
 * gets the new kinds added to its type (integer becoming number when fractions arrive). Everything else is kept.
 */
export function widenSchema(schema: JsonObject, changes: readonly DriftChange[]): JsonObject {
  const properties: JsonObject = { ...((schema.properties ?? {}) as JsonObject) };
  for (const change of changes) {
    const existing = Object.hasOwn(properties, change.attribute) ? properties[change.attribute] : undefined;
    // A new attribute's numbers are declared `number` even when whole so far: DynamoDB numbers have no integer type,
    // and a destination column made for integers could not take the fractions that may follow.
    const kinds = existing === undefined && (change.kinds & Kind.Integer) !== 0 ? change.kinds | Kind.Number : change.kinds;
    const mask = (existing === undefined ? Kind.Null : allowedKinds(existing)) | kinds;
    if (mask === ANY_KIND && existing !== undefined) continue;
    const base = existing !== null && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
    const property: JsonObject = { ...base, type: typeNames(mask) };
    // A string that was only ever binary is no longer when text arrives; a format no longer holds for new kinds.
    if ((change.kinds & Kind.String) !== 0 || (mask & ~(Kind.String | Kind.Null)) !== 0) {
      delete property.contentEncoding;
      delete property.format;
    }
    if ((mask & Kind.Object) !== 0 && property.properties === undefined) property.additionalProperties = true;
    if ((mask & Kind.Array) !== 0 && property.items === undefined) property.items = {};
    Object.defineProperty(properties, change.attribute, { value: property, enumerable: true, writable: true, configurable: true });
  }
  return { ...schema, properties };
}

/** Drift changes in words, e.g. `new attribute "color" (string); "score" holds string, not in its schema type`. */
export function describeDrift(changes: readonly DriftChange[]): string {
  return changes
    .map((c) => (c.inSchema ? `attribute ${JSON.stringify(c.attribute)} holds ${kindNames(c.kinds).join('/')}, which its schema type does not allow` : `attribute ${JSON.stringify(c.attribute)} (${kindNames(c.kinds).join('/')}) is not in the catalog's schema`))
    .join('; ');
}

/** Changes of several records as one: per attribute, the union of the kinds. */
export function mergeChanges(changes: readonly DriftChange[]): DriftChange[] {
  const merged: DriftChange[] = [];
  for (const change of changes) {
    const same = merged.find((c) => c.attribute === change.attribute);
    if (same !== undefined) same.kinds |= change.kinds;
    else merged.push({ ...change });
  }
  return merged;
}
