import { createRequire } from 'node:module';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { Config } from '../config';
import { describeError, type Logger } from '../logging';
import { withoutSdkRetries } from './connector-without-retries';

/**
 * The botbuilder adapter. In production mode (BOT_ID set) every inbound request's JWT is
 * validated by CloudAdapter and outbound calls are authenticated. In local mode botbuilder
 * turns authentication off (no app id): config.ts guarantees that mode binds 127.0.0.1 only.
 */
/**
 * Any one of these settings makes botbuilder switch from its built-in public-cloud defaults to
 * "parameterized" mode, where every unset value is undefined — an undefined token issuer made
 * every request 401 (found by test/integration/security-auth.test.ts). So a custom metadata URL
 * comes with the public cloud's other values spelled out.
 */
function publicCloudWithMetadata(openIdMetadataUrl: string): Record<string, string | boolean> {
  return {
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    // botframework-connector AuthenticationConstants / CallerIdConstants (4.23), public cloud.
    ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    OAuthUrl: 'https://api.botframework.com',
    ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    CallerId: 'urn:botframework:azure',
    ValidateAuthority: true,
  };
}

/**
 * botbuilder rethrows jsonwebtoken's own errors (a bad signature, a wrong algorithm, a token
 * not yet valid) as they are, and CloudAdapter answers anything that is not its
 * AuthenticationError with 500 — which Teams would retry, for a forged token. Those are
 * turned into AuthenticationError (401) here. Other failures (the key metadata cannot be
 * fetched) stay 5xx: they are ours, and a retry may succeed.
 */
const JWT_REJECTIONS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);
// CloudAdapter checks `instanceof` against botbuilder's own copy of botframework-connector.
const { AuthenticationConstants, AuthenticationError } = createRequire(require.resolve('botbuilder'))('botframework-connector') as {
  AuthenticationConstants: { ServiceUrlClaim: string };
  AuthenticationError: new (message: string, statusCode: number) => Error;
};

class JigsawBotAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    settings: ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[0],
    credentials: ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1],
    private readonly onRetryPolicyMissing: () => void,
  ) {
    super(settings, credentials);
  }

  /**
   * The connectors of proactive sends (createConversationAsync, continueConversationAsync,
   * connectorFor: the jobs' sends) pass a 429 straight back; a reply within a user's turn keeps
   * botbuilder's own retries.
   */
  override createConnectorFactory(...args: Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>) {
    return withoutSdkRetries(super.createConnectorFactory(...args), this.onRetryPolicyMissing);
  }

  override async authenticateRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateRequest']>) {
    try {
      return await super.authenticateRequest(...args);
    } catch (err) {
      if (err instanceof Error && JWT_REJECTIONS.has(err.name)) throw new AuthenticationError(`Unauthorized: ${err.name}`, 401);
      throw err;
    }
  }
}

/**
 * CloudAdapter, plus the bot's own outbound connector kept per service URL. botbuilder builds a
 * new ConnectorClient (credentials, MSAL client, HTTP pipeline) for every proactive call; the
 * client is stateless between requests (each request is signed with the token from the
 * credentials' shared cache), so the outbox worker's posts reuse one instead.
 */
export class JigsawCloudAdapter extends CloudAdapter {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();

  /** The ConnectorClient createConversationAsync would build for (botAppId, serviceUrl, audience ''). */
  connectorFor(botAppId: string, serviceUrl: string): Promise<ConnectorClient> {
    const key = `${botAppId}\n${serviceUrl}`;
    let client = this.connectors.get(key);
    if (!client) {
      const identity = this.createClaimsIdentity(botAppId);
      identity.claims.push({ type: AuthenticationConstants.ServiceUrlClaim, value: serviceUrl });
      client = this.botFrameworkAuthentication.createConnectorFactory(identity).create(serviceUrl, '');
      // A failure to build one is not kept: the next call tries again.
      client.catch(() => this.connectors.delete(key));
      this.connectors.set(key, client);
    }
    return client;
  }
}

export function createCloudAdapter(config: Config, logger: Logger): JigsawCloudAdapter {
  const appSettings = {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.password ?? '',
    // botbuilder insists on an app id for SingleTenant; local mode has none.
    MicrosoftAppType: config.mode === 'local' ? 'MultiTenant' : config.bot.type,
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(appSettings);
  let warnedRetryPolicyMissing = false;
  const auth = new JigsawBotAuthentication(
    {
      ...appSettings,
      ...(config.bot.openIdMetadataUrl ? publicCloudWithMetadata(config.bot.openIdMetadataUrl) : {}),
    },
    credentials,
    () => {
      if (warnedRetryPolicyMissing) return;
      warnedRetryPolicyMissing = true;
      logger.warn({}, 'botbuilder connector has no retry policy to remove: a 429 may be retried inside one send, past the outbox pause cap');
    },
  );
  const adapter = new JigsawCloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    logger.error({ activityType: context.activity?.type, ...describeError(error) }, 'unhandled error in a bot turn');
    // Say nothing specific: a generic reply, never a stack trace.
    if (context.activity?.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on our side. Nothing you sent has been lost: please try again in a moment.').catch(() => undefined);
    }
  };
  return adapter;
}
