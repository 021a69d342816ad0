// What the doctor's and the admin's availability pages share: a doctor's time off as a table, each
// row with a button that removes it through `path` (the doctor's own `/api/doctors/me/exceptions`,
// or an admin's `/api/doctors/{id}/exceptions`).

import { api } from "./api.js";
import * as fmt from "./format.js";
import { button, table, toast } from "./ui.js";

/** The time off in `exceptions`, earliest first; `after()` runs once one was removed. */
export function timeOffTable(exceptions, path, after) {
  return table({
    caption: "Current and future time off",
    columns: [
      { label: "From", cell: (x) => fmt.instant(x.starts_at) },
      { label: "Until", cell: (x) => fmt.instant(x.ends_at) },
      { label: "Reason", cell: (x) => x.reason || "—" },
      {
        label: "Remove",
        cell: (x) =>
          button("Remove", async () => {
            await api.del(`${path}/${encodeURIComponent(x.id)}`);
            toast("Time off removed.");
            await after();
          }, { kind: "secondary", ariaLabel: `Remove the time off from ${fmt.instant(x.starts_at)}` }),
      },
    ],
    rows: [...exceptions].sort((a, b) => a.starts_at.localeCompare(b.starts_at)),
    empty: "No time off planned.",
  });
}
