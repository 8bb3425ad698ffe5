// The package entry: createApp / createMock / startServer for test suites, the typed client, signing and checking.
export { createApp, createMock, type Mock, type MockApp, type MockOptions } from './lib/create-mock.ts';
export { startServer, type RunningServer, type ServerOptions } from './lib/start-server.ts';
export type { LogLevel } from './telemetry/logger.ts';
export type {
  CaseId, CaseItem, CaseReport, MockCases, MockClock, MockHelpers, MockPartners, MockRules, RefundItem, RequestFilter, RequestItem, RuleFilter, RuleInput, RuleItem,
  ScenarioInput, TradeFilter, TradeItem,
} from './lib/mock-handle.ts';
export { MapiArgumentError, MapiMockError, MapiResponseError, MapiRuleError } from './core/errors.ts';
export type { ServiceAlias, ServiceInput } from './core/service-alias.ts';
export {
  MapiClient, type CancelInput, type MapiClientOptions, type MapiResult, type PayInput, type QueryInput, type RefundInput,
} from './client/mapi-client.ts';
export { encodeForm, signParams, signRequest, signingString, type MapiCharset, type SignedRequest } from './client/signing.ts';
export { verifyResponse, type VerifiedAnswer } from './client/verify.ts';
export type { ParsedAnswer } from './core/answer-parse.ts';
export { DEFAULT_PARTNER_ID, DEFAULT_PARTNER_KEY } from './config.ts';
export { SERVICES, type Partner, type ServiceName, type TradeState } from './core/types.ts';
export type { Condition, Fault, Operator, Outcome, Rule } from './core/rules/types.ts';
export { CASE_IDS } from './core/cases/types.ts';
