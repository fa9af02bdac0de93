// Azure Bot registration for Jigsaw: the bot's identity is a user-assigned managed identity
// (msaAppType UserAssignedMSI, so there is no bot password anywhere), its messaging endpoint is
// the web app's /api/messages, and it is connected to the Microsoft Teams channel.
// A UserAssignedMSI bot is single-tenant: it serves the tenant its identity lives in.

@description('Globally unique name (handle) of the Azure Bot resource.')
param botServiceName string

@description('Region of the bot registration: global, or a regional one such as westeurope.')
param botLocation string = 'global'

@allowed([
  'F0'
  'S1'
])
@description('F0 is free; Microsoft Teams is a standard channel, so it is not billed as a premium one.')
param botServiceSku string = 'F0'

@maxLength(42)
param botDisplayName string

@description('Client id of the user-assigned managed identity: the bot id (BOT_ID) that Teams sees.')
param identityClientId string

@description('Resource id of that managed identity.')
param identityResourceId string

@description('Tenant of that managed identity.')
param identityTenantId string

@description('Host name of the web app that serves /api/messages.')
param botAppDomain string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botServiceName
  location: botLocation
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: botLocation
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output botServiceResourceId string = botService.id
