// Clerk's official Node SDK (@clerk/backend), unchanged, against an emulator: every operation of
// the organization surface it has, in one run. Prints one JSON object, operation name -> outcome:
// {"ok": true, "value": <what the SDK returned>} or {"ok": false, "status", "code", "message"}.
// tests/interop/test_node_sdk.py starts the emulator, runs this and asserts each outcome.
import { createClerkClient } from '@clerk/backend';

const apiUrl = process.env.EMULATOR_API_URL; // the origin: the SDK appends /v1 itself
const secretKey = process.env.EMULATOR_SECRET_KEY;
const clerk = createClerkClient({ apiUrl, secretKey });
const results = {};

async function run(name, call) {
  try {
    const value = await call();
    results[name] = { ok: true, value };
    return value;
  } catch (error) {
    // A ClerkAPIResponseError has Clerk's status and errors; anything else is a crash.
    results[name] = {
      ok: false,
      status: error.status ?? null,
      code: error.errors?.[0]?.code ?? null,
      message: String(error.message),
    };
    return undefined;
  }
}

const orgs = clerk.organizations;
const org = await run('createOrganization', () =>
  orgs.createOrganization({
    name: 'Acme',
    slug: 'acme',
    createdBy: 'user_alice',
    maxAllowedMemberships: 10,
    publicMetadata: { plan: { tier: 'pro', seats: 5 } },
    privateMetadata: { crm: 7 },
  }),
);
const organizationId = org?.id;
await run('createOrganization without creator', () => orgs.createOrganization({ name: 'Globex' }));
await run('getOrganizationList', () =>
  orgs.getOrganizationList({ includeMembersCount: true, orderBy: '+name', limit: 1 }),
);
await run('getOrganizationList query', () => orgs.getOrganizationList({ query: 'glob' }));
await run('getOrganization by id', () => orgs.getOrganization({ organizationId }));
await run('getOrganization by slug', () =>
  orgs.getOrganization({ slug: 'acme', includeMembersCount: true }),
);
await run('updateOrganization', () =>
  orgs.updateOrganization(organizationId, {
    name: 'Acme Corp',
    maxAllowedMemberships: 25,
    adminDeleteEnabled: false,
  }),
);
await run('updateOrganizationMetadata', () =>
  orgs.updateOrganizationMetadata(organizationId, {
    publicMetadata: { plan: { seats: 9, tier: null } },
  }),
);
await run('replaceOrganizationMetadata', () =>
  orgs.replaceOrganizationMetadata(organizationId, { privateMetadata: { crm: 1 } }),
);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(64).fill(0)]);
await run('updateOrganizationLogo', () =>
  orgs.updateOrganizationLogo(organizationId, {
    file: new File([png], 'logo.png', { type: 'image/png' }),
    uploaderUserId: 'user_alice',
  }),
);
await run('deleteOrganizationLogo', () => orgs.deleteOrganizationLogo(organizationId));

const bob = { organizationId, userId: 'user_bob' };
await run('createOrganizationMembership', () =>
  orgs.createOrganizationMembership({ ...bob, role: 'org:member' }),
);
await run('createOrganizationMembership existing member', () =>
  orgs.createOrganizationMembership({ ...bob, role: 'org:member' }),
);
await run('getOrganizationMembershipList', () =>
  orgs.getOrganizationMembershipList({ organizationId }),
);
await run('getOrganizationMembershipList role', () =>
  orgs.getOrganizationMembershipList({ organizationId, role: ['org:admin'] }),
);
await run('getInstanceOrganizationMembershipList', () =>
  orgs.getInstanceOrganizationMembershipList({ orderBy: '+created_at' }),
);
await run('updateOrganizationMembership', () =>
  orgs.updateOrganizationMembership({ ...bob, role: 'org:admin' }),
);
await run('updateOrganizationMembershipMetadata', () =>
  orgs.updateOrganizationMembershipMetadata({
    ...bob,
    publicMetadata: { a: 1 },
    privateMetadata: { b: 2 },
  }),
);
await run('deleteOrganizationMembership', () => orgs.deleteOrganizationMembership(bob));

const invitation = await run('createOrganizationInvitation', () =>
  orgs.createOrganizationInvitation({
    organizationId,
    emailAddress: 'new@example.com',
    role: 'org:member',
    inviterUserId: 'user_alice',
    publicMetadata: { source: 'sdk' },
    expiresInDays: 7,
  }),
);
await run('createOrganizationInvitationBulk', () =>
  orgs.createOrganizationInvitationBulk(organizationId, [
    { emailAddress: 'one@example.com', role: 'org:member' },
    { emailAddress: 'two@example.com', role: 'org:admin' },
  ]),
);
const invitationId = invitation?.id;
await run('getOrganizationInvitation', () =>
  orgs.getOrganizationInvitation({ organizationId, invitationId }),
);
await run('revokeOrganizationInvitation', () =>
  orgs.revokeOrganizationInvitation({ organizationId, invitationId, requestingUserId: 'user_alice' }),
);
await run('getOrganizationInvitationList', () =>
  orgs.getOrganizationInvitationList({ organizationId }),
);
await run('getOrganizationInvitationList pending', () =>
  orgs.getOrganizationInvitationList({ organizationId, status: ['pending'] }),
);

const domain = await run('createOrganizationDomain', () =>
  orgs.createOrganizationDomain({
    organizationId,
    name: 'acme.com',
    enrollmentMode: 'automatic_invitation',
    verified: false,
  }),
);
await run('getOrganizationDomainList', () => orgs.getOrganizationDomainList({ organizationId }));
await run('updateOrganizationDomain', () =>
  orgs.updateOrganizationDomain({
    organizationId,
    domainId: domain?.id,
    enrollmentMode: 'manual_invitation',
    verified: true,
  }),
);
await run('deleteOrganizationDomain', () =>
  orgs.deleteOrganizationDomain({ organizationId, domainId: domain?.id }),
);

const permissions = clerk.organizationPermissions;
const permission = await run('createOrganizationPermission', () =>
  permissions.createOrganizationPermission({
    name: 'Read invoices',
    key: 'org:invoices:read',
    description: 'See every invoice',
  }),
);
const permissionId = permission?.id;
await run('getOrganizationPermissionList', () =>
  permissions.getOrganizationPermissionList({ query: 'invoices' }),
);
await run('getOrganizationPermission', () => permissions.getOrganizationPermission(permissionId));
await run('updateOrganizationPermission', () =>
  permissions.updateOrganizationPermission({ permissionId, name: 'Read all invoices' }),
);

const roles = clerk.organizationRoles;
const role = await run('createOrganizationRole', () =>
  roles.createOrganizationRole({
    name: 'Billing',
    key: 'org:billing',
    description: 'Pays',
    permissions: [permissionId],
  }),
);
const organizationRoleId = role?.id;
await run('getOrganizationRoleList', () => roles.getOrganizationRoleList({ orderBy: '+key' }));
await run('getOrganizationRole', () => roles.getOrganizationRole(organizationRoleId));
await run('updateOrganizationRole', () =>
  roles.updateOrganizationRole({ organizationRoleId, name: 'Finance' }),
);
await run('removePermissionFromOrganizationRole', () =>
  roles.removePermissionFromOrganizationRole({ organizationRoleId, permissionId }),
);
await run('assignPermissionToOrganizationRole', () =>
  roles.assignPermissionToOrganizationRole({ organizationRoleId, permissionId }),
);
await run('deleteOrganizationRole', () => roles.deleteOrganizationRole(organizationRoleId));
await run('deleteOrganizationPermission', () =>
  permissions.deleteOrganizationPermission(permissionId),
);

await run('getUserList', () => clerk.users.getUserList({ emailAddress: ['alice@example.com'] }));
await run('getCount', () => clerk.users.getCount());
await run('getUser', () => clerk.users.getUser('user_bob'));

await run('deleteOrganization', () => orgs.deleteOrganization(organizationId));
await run('getOrganization deleted', () => orgs.getOrganization({ organizationId }));
const wrongKey = createClerkClient({ apiUrl, secretKey: 'sk_test_wrong' });
await run('getOrganizationList wrong key', () => wrongKey.organizations.getOrganizationList());

// The resources' `_raw` copies of each payload only repeat what the fields say.
process.stdout.write(JSON.stringify(results, (key, value) => (key === '_raw' ? undefined : value)));
