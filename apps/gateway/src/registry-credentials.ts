/** Headers for the gateway's own calls to the registry: REGISTRY_API_KEY when one is configured. */
export function registryHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
