/** The public page that verifies a certificate, as an absolute URL to share. */
export function certificateUrl(id: string): string {
  return new URL(`/certificates/${encodeURIComponent(id)}`, window.location.origin).toString();
}
