/**
 * The Pod Security Standards' "restricted" profile (which includes "baseline"), written out control by control from
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ so a test can say which rule a pod spec
 * breaks. The namespace also enforces it server-side (namespace.yaml); this check runs without a cluster.
 */

// biome-ignore lint/suspicious/noExplicitAny: pod specs are data here; the controls read optional fields at any depth
type Spec = Record<string, any>;

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SELINUX_TYPES = new Set([undefined, '', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function allContainers(spec: Spec): Array<{ where: string; c: Spec }> {
  return (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((field) =>
    ((spec[field] ?? []) as Spec[]).map((c, i) => ({ where: `${field}[${i}] ${c.name ?? ''}`.trim(), c })),
  );
}

/** Every restricted-profile violation in a pod spec, one line each; empty when the pod is admitted. */
export function restrictedViolations(spec: Spec): string[] {
  const out: string[] = [];
  const pod = (spec.securityContext ?? {}) as Spec;
  const containers = allContainers(spec);

  // Baseline.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) out.push(`${field} is set`);
  if (pod.windowsOptions?.hostProcess === true) out.push('pod: windowsOptions.hostProcess');
  if (pod.seLinuxOptions && (!SELINUX_TYPES.has(pod.seLinuxOptions.type) || pod.seLinuxOptions.user || pod.seLinuxOptions.role)) {
    out.push('pod: seLinuxOptions');
  }
  if (pod.appArmorProfile?.type === 'Unconfined') out.push('pod: appArmorProfile Unconfined');
  for (const sysctl of (pod.sysctls ?? []) as Spec[]) if (!SAFE_SYSCTLS.has(sysctl.name)) out.push(`pod: unsafe sysctl ${sysctl.name}`);
  for (const volume of (spec.volumes ?? []) as Spec[]) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === 'hostPath') out.push(`volume ${volume.name}: hostPath`);
    // Restricted: only these volume types.
    if (type === undefined || !RESTRICTED_VOLUME_TYPES.has(type)) out.push(`volume ${volume.name}: type ${type} not allowed`);
  }

  // Restricted, pod level.
  if (pod.runAsUser === 0) out.push('pod: runAsUser 0');
  const podSeccomp = pod.seccompProfile?.type as string | undefined;
  if (podSeccomp === 'Unconfined') out.push('pod: seccompProfile Unconfined');

  for (const { where, c } of containers) {
    const sc = (c.securityContext ?? {}) as Spec;
    if (sc.privileged === true) out.push(`${where}: privileged`);
    if (sc.windowsOptions?.hostProcess === true) out.push(`${where}: windowsOptions.hostProcess`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`${where}: procMount ${sc.procMount}`);
    if (sc.appArmorProfile?.type === 'Unconfined') out.push(`${where}: appArmorProfile Unconfined`);
    if (sc.seLinuxOptions && (!SELINUX_TYPES.has(sc.seLinuxOptions.type) || sc.seLinuxOptions.user || sc.seLinuxOptions.role)) {
      out.push(`${where}: seLinuxOptions`);
    }
    for (const port of (c.ports ?? []) as Spec[]) if (port.hostPort) out.push(`${where}: hostPort ${port.hostPort}`);
    const added = (sc.capabilities?.add ?? []) as string[];
    for (const cap of added) {
      if (!BASELINE_CAPABILITIES.has(cap)) out.push(`${where}: adds capability ${cap} (baseline)`);
      else if (cap !== 'NET_BIND_SERVICE') out.push(`${where}: adds capability ${cap} (restricted allows only NET_BIND_SERVICE)`);
    }
    if (!((sc.capabilities?.drop ?? []) as string[]).includes('ALL')) out.push(`${where}: capabilities.drop lacks ALL`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (sc.runAsNonRoot === false || nonRoot !== true) out.push(`${where}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) out.push(`${where}: runAsUser 0`);
    const seccomp = (sc.seccompProfile?.type as string | undefined) ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${where}: seccompProfile is ${seccomp ?? 'unset'}`);
  }
  return out;
}
