/** A small drawn icon for a file by its type (no icon font, nothing loaded from elsewhere). */
export function fileKind(contentType: string, name: string): string {
  const ext = name.includes(".") ? name.split(".").pop()!.toLowerCase() : "";
  if (contentType.startsWith("image/")) return "image";
  if (contentType.startsWith("audio/")) return "audio";
  if (contentType.startsWith("video/")) return "video";
  if (contentType === "application/pdf" || ext === "pdf") return "pdf";
  if (/zip|rar|7z|tar|gzip|compressed/.test(contentType) || ["zip", "rar", "7z", "gz", "tar"].includes(ext)) return "archive";
  if (/word|opendocument.text|rtf/.test(contentType) || ["doc", "docx", "odt", "rtf"].includes(ext)) return "doc";
  if (/sheet|excel|csv/.test(contentType) || ["xls", "xlsx", "ods", "csv"].includes(ext)) return "sheet";
  if (/presentation|powerpoint/.test(contentType) || ["ppt", "pptx", "odp"].includes(ext)) return "slides";
  if (contentType.startsWith("text/")) return "text";
  return "file";
}

const LABEL: Record<string, string> = {
  image: "IMG",
  audio: "AUD",
  video: "VID",
  pdf: "PDF",
  archive: "ZIP",
  doc: "DOC",
  sheet: "XLS",
  slides: "PPT",
  text: "TXT",
  file: "",
};

export function FileIcon({ contentType, name }: { contentType: string; name: string }) {
  const kind = fileKind(contentType, name);
  return (
    <span className={`file-icon file-icon-${kind}`} aria-hidden="true">
      {LABEL[kind]}
    </span>
  );
}
