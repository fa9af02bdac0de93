import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from 'botbuilder';
import type { Config } from '../config';
import { describeError, type Logger } from '../logging';

/**
 * The botbuilder adapter. In production mode (BOT_ID set) every inbound request's JWT is
 * validated by CloudAdapter and outbound calls are authenticated. In local mode botbuilder
 * turns authentication off (no app id): config.ts guarantees that mode binds 127.0.0.1 only.
 */
export function createCloudAdapter(config: Config, logger: Logger): CloudAdapter {
  const appSettings = {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.password ?? '',
    // botbuilder insists on an app id for SingleTenant; local mode has none.
    MicrosoftAppType: config.mode === 'local' ? 'MultiTenant' : config.bot.type,
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(appSettings);
  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      ...appSettings,
      ...(config.bot.openIdMetadataUrl ? { ToBotFromChannelOpenIdMetadataUrl: config.bot.openIdMetadataUrl } : {}),
    },
    credentials,
  );
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    logger.error({ activityType: context.activity?.type, ...describeError(error) }, 'unhandled error in a bot turn');
    // Say nothing specific: a generic reply, never a stack trace.
    if (context.activity?.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on our side. Nothing you sent has been lost: please try again in a moment.').catch(() => undefined);
    }
  };
  return adapter;
}
