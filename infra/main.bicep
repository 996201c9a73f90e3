// PeerEval on Azure: a Flex Consumption function app running the isolated worker (dotnet-isolated), reaching its
// storage account by managed identity only (shared keys are off), with Application Insights (Entra auth only) and a
// Key Vault holding the app's secrets, which reach it as Key Vault references.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@secure()
@minLength(16)
@description('Deployment secret for participant pseudonyms (HMAC key). Changing it unlinks earlier submissions.')
param participantKey string

@secure()
@minLength(16)
@description('Deployment secret that signs form tokens; a secret of its own, not the participant key. Changing it voids issued form links.')
param formSigningKey string

@description('SHA-256 (hex) of the first admin API key; the key itself never leaves your machine.')
param bootstrapAdminKeySha256 string = ''

@minValue(0)
@description('Figures from fewer people than this are suppressed in reports (0 turns suppression off).')
param minCellSize int = 5

@description('First month of reporting quarters and years: 1 for calendar years, 4 for the UK financial year.')
@minValue(1)
@maxValue(12)
param yearStartMonth int = 1

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module app 'app.bicep' = {
  name: 'peereval-app'
  scope: group
  params: {
    location: location
    tags: tags
    resourceToken: token
    participantKey: participantKey
    formSigningKey: formSigningKey
    bootstrapAdminKeySha256: bootstrapAdminKeySha256
    minCellSize: minCellSize
    yearStartMonth: yearStartMonth
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AZURE_FUNCTION_URI string = app.outputs.functionAppUri
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName
output AZURE_IDENTITY_CLIENT_ID string = app.outputs.identityClientId
output AZURE_KEY_VAULT_NAME string = app.outputs.keyVaultName
