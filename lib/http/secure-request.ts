/** Whether the request reached the site over HTTPS; behind Netlify's proxy that is `x-forwarded-proto`. */
export function isSecureRequest(request: Request): boolean {
  const forwarded = request.headers.get("x-forwarded-proto");
  if (forwarded !== null) return forwarded.split(",")[0]?.trim().toLowerCase() === "https";
  return request.url.startsWith("https:");
}
