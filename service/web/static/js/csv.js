// CSV for German spreadsheet programmes, built in the browser: `;`-separated, decimal comma, UTF-8 with BOM.
//
// Formula injection (OWASP "CSV Injection"): a cell that starts with = + - @, a tab or a carriage return is
// run as a formula by Excel/LibreOffice. Such cells get a leading single quote, so stored names such as
// "=HYPERLINK(…)" arrive as text. Plain numbers ("-3,5", "-7", "+2,25", "1e5") stay numbers.

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[";\n\r]/;

/** `text` with a leading ' when a spreadsheet would read it as a formula (plain numbers unchanged). */
export function neutraliseFormula(text) {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV cell: null/undefined as empty, formulas neutralised, quoted when it holds `"`, `;` or a line break. */
export function csvCell(value) {
  const text = neutraliseFormula(value === null || value === undefined ? "" : String(value));
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (arrays of cells) as CSV text with BOM and CRLF line ends. */
export function csvText(rows) {
  return "\ufeff" + rows.map((row) => row.map(csvCell).join(";")).join("\r\n") + "\r\n";
}
