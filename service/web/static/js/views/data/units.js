// Units of the Daten view in German: bytes, durations, percentages.

import { fmt } from "../../ui.js";

export const ANNOUNCE_STEP = 10; // percent between two texts in the live region

const byteFormat = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 1 });

/** Bytes in German: "312 Bytes", "4,2 kB", "27,1 MB" (1 kB = 1024 Bytes, as the server counts). */
export function bytes(count) {
  if (count < 1024) return `${fmt.int(count)} ${count === 1 ? "Byte" : "Bytes"}`;
  if (count < 1024 * 1024) return `${byteFormat.format(count / 1024)} kB`;
  if (count < 1024 * 1024 * 1024) return `${byteFormat.format(count / (1024 * 1024))} MB`;
  return `${byteFormat.format(count / (1024 * 1024 * 1024))} GB`;
}

/** A duration in German: "12 ms", "3,4 s", "2 min 05 s". */
export function duration(seconds) {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${byteFormat.format(seconds)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}

export const percent = (loaded, total) => (total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0);
