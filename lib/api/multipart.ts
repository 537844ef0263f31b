import { badRequest, unsupportedMediaType } from "./errors";

export type UploadedFile = { path: string; size: number; content: string };

/**
 * The file parts of a multipart/form-data body, each under its part name (the file's relative
 * path, as Socket clients send it). Text fields are ignored. Uses the platform's own parser
 * (undici's Request.formData), on a body whose size the caller has already limited.
 */
export async function parseMultipartFiles(body: Buffer, contentType: string | undefined): Promise<UploadedFile[]> {
  if (!contentType || !/^multipart\/form-data\s*;.*boundary=/i.test(contentType)) {
    throw unsupportedMediaType("multipart/form-data, one part per manifest file");
  }
  let form: FormData;
  try {
    form = await new Request("http://keyward.invalid/", {
      method: "PUT",
      headers: { "content-type": contentType },
      body: new Blob([new Uint8Array(body)]),
    }).formData();
  } catch {
    throw badRequest("The multipart body could not be parsed.");
  }
  const files: UploadedFile[] = [];
  for (const [name, value] of form) {
    if (typeof value === "string") continue;
    files.push({ path: name, size: value.size, content: await value.text() });
  }
  return files;
}
