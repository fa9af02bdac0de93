// The fake Entra + Graph tenant for integration tests and the benchmark. See README.md.
export { startFakeGraphTenant, DEFAULT_APP } from './server';
export type { FakeGraphTenant, FakeGraphTenantOptions } from './server';
export { FakeTenant, generateTenant } from './tenant-model';
export type { TenantOptions, FakePermission, Grantee, LinkScope, SharingCategory, FakeUser, FakeDrive, FakeSite } from './tenant-model';
export type { AppRegistration } from './entra';
export type { InjectedFailure, GraphApiOptions, FakeGroup } from './graph-api';
export type { RuMeterOptions } from './ru-meter';
export { createAppCertificate, createServerCertificates } from './certificates';
export type { AppCertificate, ServerCertificates } from './certificates';
export { makeUpn, FileKind } from './school-names';
