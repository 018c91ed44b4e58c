/**
 * Builds one multi-row INSERT ... VALUES statement with numbered parameters. Projections write
 * all fact rows of a document in one round trip instead of one statement per row.
 */
export function multiRowValues(rows: unknown[][], startAt = 1): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = row.map((value) => {
      params.push(value);
      return `$${startAt + params.length - 1}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  return { sql: tuples.join(', '), params };
}
