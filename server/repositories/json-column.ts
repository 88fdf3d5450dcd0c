/**
 * JSON held in a TEXT column is read through one zod-checked mapper per column, declared by the
 * repository that owns the table. A value that is not JSON, or not the shape the column holds,
 * fails loudly with the table, column and row named, instead of flowing on as the wrong type.
 */
import { z } from 'zod';

export class CorruptColumnError extends Error {
  override readonly name = 'CorruptColumnError';
  constructor(
    /** "table.column" */
    readonly column: string,
    /** The row's key, as the repository names it (an id, or "screen/date"). */
    readonly rowKey: string,
    readonly problem: string,
  ) {
    super(
      `Dữ liệu hỏng ở cột ${column} của dòng "${rowKey}": ${problem}. / Corrupt data in column ${column} of row "${rowKey}": ${problem}.`,
    );
  }
}

export interface JsonColumn<T> {
  /** The checked value; throws CorruptColumnError when the text is not JSON of the column's shape. */
  (text: string, rowKey: string): T;
  /** The same for a nullable column: SQL NULL reads as null. */
  nullable(text: string | null, rowKey: string): T | null;
  readonly column: string;
}

export function jsonColumn<S extends z.ZodType>(column: string, schema: S): JsonColumn<z.output<S>> {
  const read = (text: string, rowKey: string): z.output<S> => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new CorruptColumnError(
        column,
        rowKey,
        `không phải JSON / not JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new CorruptColumnError(
        column,
        rowKey,
        `sai dạng / wrong shape: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`,
      );
    }
    return parsed.data;
  };
  return Object.assign(read, {
    nullable: (text: string | null, rowKey: string) => (text === null ? null : read(text, rowKey)),
    column,
  });
}
