// Small formatting helpers shared by the views.

/** An ISO 8601 instant as "2023-05-08 13:56 UTC"; "" for none. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
