// Jigsaw on Azure: first version. Deployed by the toolkit's arm/deploy action (teamsapp.yml),
// with parameters from azure.parameters.json filled from env/.env.<env> and env/.env.<env>.user.
//
//   user-assigned managed identity ── the bot's identity (Azure Bot, msaAppType UserAssignedMSI)
//                                  └─ reads Key Vault secrets (Key Vault Secrets User role)
//   App Service plan (Linux) + Web App (Node 20 LTS), running as that identity
//   Azure Bot (+ Teams channel)    ── botRegistration/azurebot.bicep
//   PostgreSQL Flexible Server + database `jigsaw`
//   Key Vault (RBAC)               ── DATABASE_URL (app role), DATABASE_OWNER_URL (administrator),
//                                     ENCRYPTION_KEYS, the Entra app's client secret,
//                                     and (graphCertificateName) the Graph app's certificate
//   Log Analytics + Application Insights, availability test and alert rules
//   privateNetworking=true: a virtual network; the web app joins it (VNet integration, all
//   outbound traffic routed through it), PostgreSQL lives in a delegated subnet with no public
//   endpoint, Key Vault is reached through a private endpoint and denies the internet.
//
// Outputs are written by the toolkit to env/.env.<env> (names as below, upper case).
// Not yet here: Entra authentication to PostgreSQL instead of a password, deployment slots.

@maxLength(20)
@minLength(4)
@description('Prefix of every resource name, e.g. jigsaw-dev. Lower-case letters, digits and hyphens.')
param resourceBaseName string

@description('Azure region of the resources. Defaults to the resource group\'s; UK South keeps pupil data in the UK.')
param location string = resourceGroup().location

@maxLength(42)
@description('Display name of the Azure Bot.')
param botDisplayName string

@description('Region of the Azure Bot registration: global, or a regional one such as westeurope.')
param botLocation string = 'global'

@description('App Service plan SKU (B1 is the smallest with Always On).')
param webAppSku string = 'B1'

@description('Client id of the Entra app of aad.manifest.json (tab SSO and Microsoft Graph application permissions).')
param aadAppClientId string

@description('Tenant id of that Entra app (the school\'s or trust\'s tenant).')
param aadAppTenantId string

@secure()
@description('Client secret of that Entra app; stored in Key Vault.')
param aadAppClientSecret string

@description('Administrator login of the PostgreSQL server.')
param postgresAdminLogin string

@secure()
@description('Administrator password of the PostgreSQL server; only ever stored inside DATABASE_OWNER_URL in Key Vault.')
param postgresAdminPassword string

@secure()
@minLength(16)
@description('Password of the app\'s own database role (jigsaw_app), which owns nothing: Jigsaw creates the role with it at start-up and keeps it in step after a rotation. Stored only inside DATABASE_URL in Key Vault.')
param postgresAppPassword string

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL major version.')
param postgresVersion string = '16'

@description('Storage of the PostgreSQL server in GiB.')
param postgresStorageSizeGB int = 32

@description('Name of the application database.')
param postgresDatabaseName string = 'jigsaw'

@secure()
@description('Value of ENCRYPTION_KEYS for the app (format defined by the app\'s configuration); stored in Key Vault.')
param encryptionKeys string

@description('The school\'s (or trust\'s) name, shown on cards: SCHOOL_NAME.')
param schoolName string

@description('IANA time zone of the school: SCHOOL_TIMEZONE.')
param schoolTimeZone string = 'Europe/London'

@description('Entra object ids of Jigsaw administrators, comma-separated (ADMIN_AAD_IDS): they run `setup` in the DSL channel.')
param adminAadIds string

@description('Entra object id of the headteacher (HEADTEACHER_AAD_ID): concerns about staff go to them privately.')
param headteacherAadId string = ''

@description('Entra object id of the chair of governors (CHAIR_AAD_ID): concerns about the headteacher go to them privately.')
param chairAadId string = ''

@description('Entra object id of the Data Protection Officer (DPO_AAD_ID).')
param dpoAadId string = ''

@description('Entra object id of the IT manager (IT_MANAGER_AAD_ID): told of filtering failures.')
param itManagerAadId string = ''

@description('Entra object id of the online safety lead (ONLINE_SAFETY_LEAD_AAD_ID).')
param onlineSafetyLeadAadId string = ''

@description('Concerns are kept this many years after they were recorded (RETENTION_CONCERN_YEARS; see docs/admin-guide.md).')
param retentionConcernYears int = 25

@description('AUP records are kept this many years (RETENTION_AUP_YEARS).')
param retentionAupYears int = 6

@description('Sharing-audit findings are kept this many days after last seen (RETENTION_AUDIT_FINDINGS_DAYS).')
param retentionAuditFindingsDays int = 365

@description('Minutes an urgent concern may stay unacknowledged before the DSLs are reminded (ESCALATION_FIRST_MINUTES).')
param escalationFirstMinutes int = 15

@description('Further minutes before an unacknowledged urgent concern goes to the headteacher (ESCALATION_SECOND_MINUTES).')
param escalationSecondMinutes int = 15

@description('Concerns about one pupil within the window that raise a pattern alert (PATTERN_THRESHOLD).')
param patternThreshold int = 3

@description('The pattern window in days (PATTERN_WINDOW_DAYS).')
param patternWindowDays int = 30

@description('Governors\' report: non-zero counts below this are shown as "fewer than N" (GOVERNOR_REPORT_MIN_COUNT).')
param governorReportMinCount int = 3

@description('School-local time of the nightly sharing audit, or off (AUDIT_SCHEDULE). Grant the Graph permissions first (docs/permissions.md).')
param auditSchedule string = '02:30'

@description('Also audit SharePoint site libraries, not only OneDrives (AUDIT_INCLUDE_SITES).')
param auditIncludeSites bool = false

@description('Microsoft 365 licence band of the tenant, for the Graph resource-unit budget (GRAPH_LICENCE_BAND).')
@allowed(['0-1000', '1001-5000', '5001-15000', '15001-50000', '50000+'])
param graphLicenceBand string = '0-1000'

@description('Months an AUP acknowledgement stays valid (AUP_VALIDITY_MONTHS).')
param aupValidityMonths int = 12

@description('Days after sending when AUP reminders go (AUP_REMINDER_DAYS, increasing, comma-separated).')
param aupReminderDays string = '7,14'

@description('Days after sending when outstanding AUPs are listed for the online safety lead (AUP_DEADLINE_DAYS).')
param aupDeadlineDays int = 21

@description('Entra groups of each AUP audience, "staff:groupId|groupId,governors:groupId" (AUP_AUDIENCE_GROUPS; empty: audiences from CSV).')
param aupAudienceGroups string = ''

@description('Email address of the IT contact alerted when Jigsaw is not ready (/readyz) or deliveries to Teams keep failing; empty: no alert rules.')
param alertEmail string = ''

@description('Name of a certificate in this deployment\'s Key Vault that the Graph app signs in with instead of its client secret (recommended). Create it with content type PEM and upload its public part to the app registration (docs/deploy.md, "Graph certificate"). Empty: the client secret.')
param graphCertificateName string = ''

@description('Private networking: PostgreSQL in a delegated subnet with no public endpoint, Key Vault behind a private endpoint, the web app joined to the virtual network. Choose it before the first provision: a PostgreSQL server cannot move into a virtual network later.')
param privateNetworking bool = false

@description('Address space of the virtual network (privateNetworking only); three /24 subnets are taken from it. Pick one that does not overlap networks you may peer with.')
param vnetAddressPrefix string = '10.20.0.0/16'

@description('The Teams app id (TEAMS_APP_ID, written by the toolkit): installs the app for AUP recipients who never opened it (AUP_TEAMS_APP_ID).')
param teamsAppId string

var baseName = toLower(resourceBaseName)
var uniqueSuffix = uniqueString(resourceGroup().id, baseName)
var identityName = '${baseName}-identity'
var serverfarmName = '${baseName}-plan'
var webAppName = '${baseName}-${uniqueSuffix}'
var botServiceName = '${baseName}-bot-${uniqueSuffix}'
var keyVaultName = 'kv-${uniqueSuffix}'
var postgresServerName = '${baseName}-pg-${uniqueSuffix}'
var logAnalyticsName = '${baseName}-logs'
var appInsightsName = '${baseName}-insights'
// Built-in role "Key Vault Secrets User": read secret contents.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

var vnetName = '${baseName}-vnet'
var appSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, 'app')
var postgresSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, 'postgres')
var privateEndpointSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, 'private-endpoints')

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

// ---- Private networking (privateNetworking=true) ----

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = if (privateNetworking) {
  name: vnetName
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        vnetAddressPrefix
      ]
    }
    subnets: [
      {
        // The web app's outbound traffic (VNet integration).
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(vnetAddressPrefix, 24, 1)
          delegations: [
            {
              name: 'web'
              properties: {
                serviceName: 'Microsoft.Web/serverFarms'
              }
            }
          ]
        }
      }
      {
        // PostgreSQL Flexible Server injected into the network: no public endpoint at all.
        name: 'postgres'
        properties: {
          addressPrefix: cidrSubnet(vnetAddressPrefix, 24, 2)
          delegations: [
            {
              name: 'postgres'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(vnetAddressPrefix, 24, 3)
        }
      }
    ]
  }
}

// The server's name resolves to its private address only inside the network.
resource postgresDnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = if (privateNetworking) {
  name: '${postgresServerName}.private.postgres.database.azure.com'
  location: 'global'
}

resource postgresDnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = if (privateNetworking) {
  parent: postgresDnsZone
  name: '${vnetName}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource keyVaultDnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = if (privateNetworking) {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
}

resource keyVaultDnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = if (privateNetworking) {
  parent: keyVaultDnsZone
  name: '${vnetName}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource keyVaultPrivateEndpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = if (privateNetworking) {
  name: '${baseName}-kv-endpoint'
  location: location
  properties: {
    subnet: {
      id: privateEndpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: keyVault.id
          groupIds: [
            'vault'
          ]
        }
      }
    ]
  }
  dependsOn: [
    vnet
  ]
}

resource keyVaultPrivateDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = if (privateNetworking) {
  parent: keyVaultPrivateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: {
          privateDnsZoneId: keyVaultDnsZone.id
        }
      }
    ]
  }
}

// ---- Store ----

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: postgresServerName
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: postgresStorageSizeGB
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    // Injected into the delegated subnet: the server has a private address and no public one.
    network: privateNetworking
      ? {
          delegatedSubnetResourceId: postgresSubnetId
          privateDnsZoneArmResourceId: postgresDnsZone.id
        }
      : {}
  }
  dependsOn: [
    // The zone must be linked to the network before the server is created in it.
    postgresDnsZoneLink
  ]
}

resource postgresDatabase 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: postgresDatabaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Without private networking: public access limited to Azure services (0.0.0.0).
resource postgresAllowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = if (!privateNetworking) {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
    // Private networking: only the private endpoint (and Azure's trusted services, which ARM
    // deployments of secrets use) get in. Deny rather than disabling public access, so IT can
    // add their own address for the minutes it takes to create the Graph certificate
    // (docs/deploy.md); a re-provision removes it again.
    networkAcls: privateNetworking
      ? {
          defaultAction: 'Deny'
          bypass: 'AzureServices'
        }
      : {
          defaultAction: 'Allow'
          bypass: 'AzureServices'
        }
  }
}

// The app runs as jigsaw_app (data access only: it cannot drop the append-only triggers); the
// administrator's connection is used at start-up only, to migrate and to create and grant that
// role (src/store/open-store.ts).
var postgresAppRole = 'jigsaw_app'

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-url'
  properties: {
    value: 'postgres://${postgresAppRole}:${uriComponent(postgresAppPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${postgresDatabaseName}?sslmode=require'
  }
}

resource databaseOwnerUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-owner-url'
  properties: {
    value: 'postgres://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${postgresDatabaseName}?sslmode=require'
  }
}

resource encryptionKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'encryption-keys'
  properties: {
    value: encryptionKeys
  }
}

resource aadAppClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'aad-app-client-secret'
  properties: {
    value: aadAppClientSecret
  }
}

resource identityReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRoleId)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource serverfarm 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: serverfarmName
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true
  }
}

var webAppHostName = '${webAppName}.azurewebsites.net'

resource webApp 'Microsoft.Web/sites@2023-01-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    // Private networking: outbound traffic leaves through the network (PostgreSQL, Key Vault).
    virtualNetworkSubnetId: privateNetworking ? appSubnetId : null
    // Key Vault references are resolved with the user-assigned identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node dist/main.js'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      // Linux apps resolve Key Vault references through the network only when all traffic is routed.
      vnetRouteAllEnabled: privateNetworking
      // Liveness only: /readyz also fails while Teams is unreachable (outbox lag), and restarting
      // instances would not help then; alert on /readyz instead (docs/deploy.md).
      healthCheckPath: '/healthz'
      appSettings: [
        {
          name: 'WEBSITE_RUN_FROM_PACKAGE'
          value: '1'
        }
        {
          name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
          value: 'false'
        }
        {
          name: 'NODE_ENV'
          value: 'production'
        }
        {
          // App Service forwards HTTPS traffic to this port inside the container.
          name: 'HOST'
          value: '0.0.0.0'
        }
        {
          name: 'PORT'
          value: '8080'
        }
        {
          name: 'WEBSITES_PORT'
          value: '8080'
        }
        {
          // The Entra tenant this deployment serves (a UserAssignedMSI bot is single-tenant).
          name: 'ALLOWED_TENANT_IDS'
          value: identity.properties.tenantId
        }
        {
          name: 'BOT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'BOT_TENANT_ID'
          value: identity.properties.tenantId
        }
        {
          name: 'BOT_TYPE'
          value: 'UserAssignedMSI'
        }
        {
          name: 'BOT_DOMAIN'
          value: webAppHostName
        }
        {
          // Lets Azure SDK credentials (DefaultAzureCredential) pick the user-assigned identity.
          name: 'AZURE_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'AAD_APP_CLIENT_ID'
          value: aadAppClientId
        }
        {
          name: 'AAD_APP_TENANT_ID'
          value: aadAppTenantId
        }
        {
          // The tab API accepts Teams SSO tokens for this app: its API identifier (aad.manifest.json
          // identifierUris) and its client id (the audience of Entra v2 access tokens).
          name: 'TAB_AUDIENCE'
          value: 'api://${webAppHostName}/${aadAppClientId},${aadAppClientId}'
        }
        {
          name: 'AAD_APP_CLIENT_SECRET'
          value: '@Microsoft.KeyVault(SecretUri=${aadAppClientSecretSecret.properties.secretUri})'
        }
        {
          name: 'DATABASE_URL'
          value: '@Microsoft.KeyVault(SecretUri=${databaseUrlSecret.properties.secretUri})'
        }
        {
          name: 'DATABASE_OWNER_URL'
          value: '@Microsoft.KeyVault(SecretUri=${databaseOwnerUrlSecret.properties.secretUri})'
        }
        {
          name: 'ENCRYPTION_KEYS'
          value: '@Microsoft.KeyVault(SecretUri=${encryptionKeysSecret.properties.secretUri})'
        }
        {
          // Creates the school's tenant record and its role holders at start-up; without it the bot
          // answers "not set up" to everyone.
          name: 'BOOTSTRAP_TENANT_ID'
          value: identity.properties.tenantId
        }
        {
          name: 'SCHOOL_NAME'
          value: schoolName
        }
        {
          name: 'SCHOOL_TIMEZONE'
          value: schoolTimeZone
        }
        {
          name: 'ADMIN_AAD_IDS'
          value: adminAadIds
        }
        {
          name: 'HEADTEACHER_AAD_ID'
          value: headteacherAadId
        }
        {
          name: 'CHAIR_AAD_ID'
          value: chairAadId
        }
        {
          name: 'DPO_AAD_ID'
          value: dpoAadId
        }
        {
          name: 'IT_MANAGER_AAD_ID'
          value: itManagerAadId
        }
        {
          name: 'ONLINE_SAFETY_LEAD_AAD_ID'
          value: onlineSafetyLeadAadId
        }
        {
          // The sharing audit reads Microsoft Graph as the Entra app of aad.manifest.json (read-only permissions).
          name: 'GRAPH_CLIENT_ID'
          value: aadAppClientId
        }
        {
          name: 'GRAPH_TENANT_ID'
          value: aadAppTenantId
        }
        {
          name: 'GRAPH_CLIENT_SECRET'
          value: empty(graphCertificateName) ? '@Microsoft.KeyVault(SecretUri=${aadAppClientSecretSecret.properties.secretUri})' : ''
        }
        {
          // A Key Vault certificate's secret is its key and certificate in PEM. The reference has
          // no version: App Service picks up a renewed certificate within a day.
          name: 'GRAPH_CERT_PEM'
          value: empty(graphCertificateName) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${graphCertificateName})'
        }
        {
          name: 'LOG_LEVEL'
          value: 'info'
        }
        {
          name: 'READY_MAX_OUTBOX_LAG_SECONDS'
          value: '300'
        }
        {
          name: 'RETENTION_CONCERN_YEARS'
          value: string(retentionConcernYears)
        }
        {
          name: 'RETENTION_AUP_YEARS'
          value: string(retentionAupYears)
        }
        {
          name: 'RETENTION_AUDIT_FINDINGS_DAYS'
          value: string(retentionAuditFindingsDays)
        }
        {
          name: 'ESCALATION_FIRST_MINUTES'
          value: string(escalationFirstMinutes)
        }
        {
          name: 'ESCALATION_SECOND_MINUTES'
          value: string(escalationSecondMinutes)
        }
        {
          name: 'PATTERN_THRESHOLD'
          value: string(patternThreshold)
        }
        {
          name: 'PATTERN_WINDOW_DAYS'
          value: string(patternWindowDays)
        }
        {
          name: 'GOVERNOR_REPORT_MIN_COUNT'
          value: string(governorReportMinCount)
        }
        {
          name: 'AUDIT_SCHEDULE'
          value: auditSchedule
        }
        {
          name: 'AUDIT_INCLUDE_SITES'
          value: string(auditIncludeSites)
        }
        {
          name: 'GRAPH_LICENCE_BAND'
          value: graphLicenceBand
        }
        {
          name: 'AUP_VALIDITY_MONTHS'
          value: string(aupValidityMonths)
        }
        {
          name: 'AUP_REMINDER_DAYS'
          value: aupReminderDays
        }
        {
          name: 'AUP_DEADLINE_DAYS'
          value: string(aupDeadlineDays)
        }
        {
          name: 'AUP_AUDIENCE_GROUPS'
          value: aupAudienceGroups
        }
        {
          name: 'AUP_TEAMS_APP_ID'
          value: teamsAppId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
      ]
    }
  }
  dependsOn: [
    identityReadsSecrets
    vnet
    keyVaultPrivateDns
  ]
}

// Register the web app as a bot with the Bot Framework, with the managed identity as its identity.
// ---- Monitoring: console logs to Log Analytics, an availability test of /readyz, and alerts ----

// The app logs JSON lines (pino) to stdout; App Service sends them to the workspace.
resource webAppDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'jigsaw-logs'
  scope: webApp
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
  }
}

// /readyz answers 503 when the store is unreachable or concerns wait too long to reach Teams.
resource readyzTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: '${baseName}-readyz'
  location: location
  // Links the test to the Application Insights resource (required by the portal and alerts).
  tags: {
    'hidden-link:${appInsights.id}': 'Resource'
  }
  kind: 'standard'
  properties: {
    SyntheticMonitorId: '${baseName}-readyz'
    Name: 'Jigsaw ready (/readyz)'
    Description: 'The store is reachable and the outbox lag is under READY_MAX_OUTBOX_LAG_SECONDS.'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    // Location population tags (docs: monitor-web-app-availability): UK South, UK West,
    // North Europe, West Europe.
    Locations: [
      {
        Id: 'emea-ru-msa-edge'
      }
      {
        Id: 'emea-se-sto-edge'
      }
      {
        Id: 'emea-gb-db3-azr'
      }
      {
        Id: 'emea-nl-ams-azr'
      }
    ]
    Request: {
      RequestUrl: 'https://${webAppHostName}/readyz'
      HttpVerb: 'GET'
      FollowRedirects: false
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource alertActionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${baseName}-alerts'
  location: 'global'
  properties: {
    groupShortName: 'jigsaw'
    enabled: true
    emailReceivers: [
      {
        name: 'it-contact'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource readyzAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = if (!empty(alertEmail)) {
  name: '${baseName}-not-ready'
  location: 'global'
  properties: {
    description: 'Jigsaw is not ready from two or more locations: the store is unreachable, or concerns are waiting to reach Teams. Check /readyz and docs/admin-guide.md.'
    severity: 1
    enabled: true
    scopes: [
      readyzTest.id
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: readyzTest.id
      componentId: appInsights.id
      failedLocationCount: 2
    }
    actions: [
      {
        actionGroupId: alertActionGroup.id
      }
    ]
  }
}

// The worker logs this line (with ids and HTTP status only) for every failed attempt.
resource deliveriesFailingAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = if (!empty(alertEmail)) {
  name: '${baseName}-deliveries-failing'
  location: location
  properties: {
    displayName: 'Jigsaw: deliveries to Teams keep failing'
    description: 'More than 10 failed delivery attempts in 15 minutes. Jigsaw keeps retrying and tells the admins in Teams; check that the app is installed in the DSL channel and that Teams is reachable.'
    severity: 2
    enabled: true
    scopes: [
      logAnalytics.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'AppServiceConsoleLogs | where ResultDescription has "outbox delivery failed"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 10
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        alertActionGroup.id
      ]
    }
  }
}

// The nightly sharing audit failed (it is tried again after 30 minutes).
resource auditFailingAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = if (!empty(alertEmail)) {
  name: '${baseName}-audit-failing'
  location: location
  properties: {
    displayName: 'Jigsaw: the scheduled sharing audit failed'
    description: 'The nightly sharing audit could not complete (often: Graph permissions not yet consented). See docs/sharing-audit.md.'
    severity: 3
    enabled: true
    scopes: [
      logAnalytics.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'AppServiceConsoleLogs | where ResultDescription has "scheduled run failed"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        alertActionGroup.id
      ]
    }
  }
}

module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: botServiceName
    botLocation: botLocation
    botDisplayName: botDisplayName
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: identity.properties.tenantId
    botAppDomain: webApp.properties.defaultHostName
  }
}

// Written by the toolkit to env/.env.<env>. Visit https://aka.ms/teamsfx-actions/arm-deploy for details.
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output BOT_AZURE_BOT_RESOURCE_ID string = azureBotRegistration.outputs.botServiceResourceId
output KEY_VAULT_NAME string = keyVault.name
output POSTGRES_SERVER_FQDN string = postgres.properties.fullyQualifiedDomainName
