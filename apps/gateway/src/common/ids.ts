/** Row ids are UUIDs; anything else is refused before it reaches the database (NOT_FOUND, like an unknown id). */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
