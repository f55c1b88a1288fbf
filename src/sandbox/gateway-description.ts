import { GRANT_TYPES, ProfileName, PROFILES, profileOperations } from './profiles';

/** What a client needs to know of one gateway, for the start-up log: never a secret. */
export function describeGateway(name: ProfileName, address: string): string[] {
  const profile = PROFILES[name];
  const { access } = profile;
  const auth =
    access.kind === 'api-key'
      ? 'no token endpoint: headers X-RapidAPI-Key and X-RapidAPI-Host on every call'
      : [
          `token endpoint POST ${address}${access.tokenPath} (${access.grants.map((grant) => GRANT_TYPES[grant]).join(', ')})`,
          access.authorizePath ? `CIBA bc-authorize POST ${address}${access.authorizePath}` : undefined,
          `client authentication ${access.clientAuth.join(' or ')}`,
        ]
          .filter((part) => part !== undefined)
          .join('; ');
  const operations = profileOperations(profile).map((operation) => {
    const scopes = operation.scopes.map((set) => set.join(' ')).filter((set) => set !== '');
    return `  POST ${operation.path}${scopes.length > 0 ? ` [${scopes.join(' | ')}]` : ''}`;
  });
  return [`profile ${name} listening on ${address}: ${auth}; identifier ${profile.identifier}`, ...operations];
}
