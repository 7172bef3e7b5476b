/** The client's User-Agent, trimmed to what a devices list needs. */
export function userAgentOf(request: Request): string | null {
  return request.headers.get("user-agent")?.slice(0, 256) ?? null;
}
