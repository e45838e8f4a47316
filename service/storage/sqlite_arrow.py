"""Read SQLite queries as Arrow in a child process: ``python -m service.storage.sqlite_arrow FILE [ROWS SQL]...``.

The ADBC SQLite driver fills Arrow arrays in C (a full load's 1,000,000 rows in 2.8 s instead of 10.6 s as
Python tuples), but it brings its own copy of the SQLite library. Two copies of SQLite in one process must not
open the same database file: each keeps its own POSIX locks and WAL index state, so one closing the file drops
the other's locks (https://www.sqlite.org/howtocorrupt.html, 2.2.1), and measured here a second copy did not
see rows committed by the first after it had opened the file once. So the driver runs in a short-lived child
process that imports nothing but pyarrow and the driver, reads every query in one read transaction (one
revision for all of them) and writes each result to stdout as an Arrow IPC stream, one after the other.

ROWS is the number of rows per Arrow batch, or a query that counts the rows of the next one (read in the same
transaction): the driver infers each column's type from the first batch, and a column that is NULL throughout
it (say contact phone numbers in the first 65,536 rows) would be typed as integers and fail at the first text
after it. Read as one batch of all rows, a column is typed from all its values (one that is NULL everywhere
comes as integers, which Arrow casts to any type).
"""

from __future__ import annotations

import contextlib
import sys

MMAP_BYTES = 1 << 31  # SQLite's default upper limit for a memory mapping


def main(path: str, reads: list[tuple[str, str]]) -> None:
    """Write the result of each (rows per batch or a counting query, query) to stdout."""
    import adbc_driver_sqlite.dbapi
    import pyarrow as pa

    sink = pa.output_stream(sys.stdout.buffer)
    # autocommit off: the driver opens one transaction, so every query reads the same revision
    with contextlib.closing(adbc_driver_sqlite.dbapi.connect(path, autocommit=False)) as connection:
        with contextlib.closing(connection.cursor()) as cursor:
            # Memory-mapped reads: no copy of every page through read() (the rows hold 2 kB of stop JSON each, so
            # the whole file passes); an I/O error on the mapping can only end this child.
            cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            cursor.fetchall()
            for rows, query in reads:
                if not rows.isdigit():
                    cursor.execute(rows)
                    (count,) = cursor.fetchone() or (0,)
                    rows = str(max(1, int(count)))
                cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": rows})
                cursor.execute(query)
                reader = cursor.fetch_record_batch()
                with pa.ipc.new_stream(sink, reader.schema) as writer:
                    for batch in reader:
                        writer.write_batch(batch)
        connection.rollback()
    sink.flush()


if __name__ == "__main__":
    arguments = sys.argv[2:]
    main(sys.argv[1], list(zip(arguments[::2], arguments[1::2], strict=True)))
