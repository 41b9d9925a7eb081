// The URLs Lethe builds, in one place: redirects, panel links and (as the `paths` local every
// page gets) links in views. A route's own pattern stays beside its handler; what points at it
// is built here, so a moved page is one edit.
const seg = (v: string | number) => encodeURIComponent(String(v));

export const paths = {
  requests: {
    index: () => '/requests',
    /** The queue of open requests assigned to the signed-in officer. */
    mine: () => '/requests?assignee=mine',
    new: () => '/requests/new',
    bulkAssign: () => '/requests/assign',
    assign: (id: string) => `/requests/${seg(id)}/assign`,
    notes: (id: string) => `/requests/${seg(id)}/notes`,
    show: (id: string) => `/requests/${seg(id)}`,
    preview: (id: string) => `/requests/${seg(id)}/preview`,
    exportPackage: (id: string) => `/requests/${seg(id)}/export`,
    exportZip: (id: string) => `/requests/${seg(id)}/export.zip`,
    certificate: (id: string) => `/requests/${seg(id)}/certificate.pdf`,
    supplement: (id: string) => `/requests/${seg(id)}/certificate-supplement.pdf`,
    closeNoData: (id: string) => `/requests/${seg(id)}/close-no-data`,
    acknowledge: (id: string) => `/requests/${seg(id)}/acknowledge`,
    verify: (id: string) => `/requests/${seg(id)}/verify`,
    approve: (id: string) => `/requests/${seg(id)}/approve`,
    deny: (id: string) => `/requests/${seg(id)}/deny`,
    extend: (id: string) => `/requests/${seg(id)}/extend`,
    retry: (id: string) => `/requests/${seg(id)}/retry`,
    sharedValues: (id: string) => `/requests/${seg(id)}/shared-values`,
    retrained: (id: string, flagId: string | number) => `/requests/${seg(id)}/artefact-flags/${seg(flagId)}/retrained`,
  },
  useCases: {
    index: () => '/use-cases',
    new: () => '/use-cases/new',
    show: (id: string) => `/use-cases/${seg(id)}`,
    edit: (id: string) => `/use-cases/${seg(id)}/edit`,
    questionnaire: (id: string) => `/use-cases/${seg(id)}/questionnaire`,
    assessment: (id: string) => `/use-cases/${seg(id)}/assessment`,
    version: (id: string, version: number) => `/use-cases/${seg(id)}/versions/${seg(version)}`,
    submit: (id: string) => `/use-cases/${seg(id)}/submit`,
    assign: (id: string) => `/use-cases/${seg(id)}/assign`,
    votes: (id: string) => `/use-cases/${seg(id)}/votes`,
    override: (id: string) => `/use-cases/${seg(id)}/override`,
    retire: (id: string) => `/use-cases/${seg(id)}/retire`,
    conditionDone: (id: string, conditionId: string | number) =>
      `/use-cases/${seg(id)}/conditions/${seg(conditionId)}/done`,
    packets: () => '/use-cases/packets',
    packetPdf: (id: string) => `/use-cases/packets/${seg(id)}/packet.pdf`,
  },
  reports: {
    index: () => '/reports',
    show: (id: string) => `/reports/${seg(id)}`,
    pdf: (id: string) => `/reports/${seg(id)}/pdf`,
  },
  // The data map's datasets (training snapshots, prompt logs, … are datasets too).
  datasets: {
    show: (name: string) => `/datasets/${seg(name)}`,
    lineage: (name: string) => `/datasets/${seg(name)}#lineage`,
  },
  reid: {
    run: (id: string) => `/reid/runs/${seg(id)}`,
    reportPdf: (id: string) => `/reid/runs/${seg(id)}/report.pdf`,
    rawClasses: (id: string) => `/reid/runs/${seg(id)}/classes/raw`,
  },
  anonymize: {
    index: () => '/anonymize',
    run: (id: string) => `/anonymize/runs/${seg(id)}`,
    output: (id: string) => `/anonymize/runs/${seg(id)}/output.csv`,
  },
  training: {
    index: () => '/training',
    bias: (id: string) => `/training/bias/${seg(id)}`,
    checkSnapshot: (dataset: string) => `/training/snapshots/${seg(dataset)}/check`,
    buildSnapshot: (dataset: string) => `/training/snapshots/${seg(dataset)}/build`,
  },
  /** Findings of the scheduled audits, and the runs that raised them. */
  findings: {
    index: () => '/findings',
    show: (id: string | number) => `/findings/${seg(id)}`,
    auditRun: (id: string | number) => `/audit-runs/${seg(id)}`,
  },
  admin: {
    users: () => '/admin/users',
    tokens: () => '/admin/tokens',
    userRole: (id: string) => `/admin/users/${seg(id)}/role`,
    resetMfa: (id: string) => `/admin/users/${seg(id)}/reset-mfa`,
    enable: (id: string) => `/admin/users/${seg(id)}/enable`,
    disable: (id: string) => `/admin/users/${seg(id)}/disable`,
    approveRoleChange: (id: string | number) => `/admin/role-changes/${seg(id)}/approve`,
    refuseRoleChange: (id: string | number) => `/admin/role-changes/${seg(id)}/refuse`,
    approveInvitation: (id: string) => `/admin/invitations/${seg(id)}/approve`,
    cancelInvitation: (id: string) => `/admin/invitations/${seg(id)}/cancel`,
    revokeToken: (id: string) => `/admin/tokens/${seg(id)}/revoke`,
  },
  account: {
    tokens: () => '/account/tokens',
    revokeToken: (id: string) => `/account/tokens/${seg(id)}/revoke`,
  },
  jobs: {
    index: () => '/jobs',
    retry: (kind: string, id: string) => `/jobs/${seg(kind)}/${seg(id)}/retry`,
    discard: (kind: string, id: string) => `/jobs/${seg(kind)}/${seg(id)}/discard`,
  },
  /** The data systems and how their databases compare with the data map. */
  systems: { index: () => '/systems' },
  /** The active policy bundle, its history and a pending activation. */
  policies: {
    index: () => '/policies',
    approveActivation: (id: string) => `/policies/activations/${seg(id)}/approve`,
  },
  // The public privacy center for data subjects (no sign-in); links with a token are secrets.
  privacyCenter: {
    index: () => '/privacy-center',
    sent: () => '/privacy-center/sent',
    recorded: () => '/privacy-center/recorded',
    confirm: (token: string) => `/privacy-center/confirm/${seg(token)}`,
    status: (token: string) => `/privacy-center/status/${seg(token)}`,
    package: (token: string) => `/privacy-center/status/${seg(token)}/package`,
  },
} as const;

export type Paths = typeof paths;
