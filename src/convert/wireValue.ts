// DynamoDB's wire form of an attribute value, as its JSON protocol (and an export's JSON lines) writes it. Used for
// request parameters (filter values, start keys); items read are never built in this form (wireTranscoder.ts).
export type WireValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: boolean }
  | { M: Record<string, WireValue> }
  | { L: WireValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };
