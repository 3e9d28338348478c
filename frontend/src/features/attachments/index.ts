/** Attachments: uploads for the composer, a message's files and images. */
export { useUploads, type Uploads } from "./useUploads.js";
export { UploadTray, uploadErrorText } from "./UploadTray.js";
export { AttachmentList, attachmentsOf } from "./AttachmentList.js";
export { Icon } from "./Icons.js";
export type { Attachment, Limits, Upload, UploadError, UploadStatus } from "./uploads.js";
