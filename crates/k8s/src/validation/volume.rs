//! Volumes and every volume source (`ValidateVolumes`, `validateVolumeSource` and the
//! per-source functions in pkg/apis/core/validation/validation.go), the volume mounts and
//! devices of every container and init container (`ValidateVolumeMounts`,
//! `ValidateVolumeDevices`), and the DaemonSet's own rule on GCE persistent disks
//! (`ValidateReadOnlyPersistentDisks`, called by `ValidateDaemonSetSpec`).
//!
//! What the API server does before it validates, and so what these rules assume:
//!
//! - a volume that names no source becomes an emptyDir (`SetDefaults_Volume`), so "must
//!   specify a volume type" cannot happen through the v1 API;
//! - with the `ImageVolume` gate off (its 1.33 default) an `image` volume and every mount
//!   naming it are dropped before validation (`dropImageVolumes`), silently; with
//!   `ClusterTrustBundleProjection` off (1.33 default) a projected `clusterTrustBundle`
//!   source is dropped the same way;
//! - a downward-API `fieldRef` without `apiVersion` gets `v1`, a service-account token
//!   without `expirationSeconds` gets 3600, a generic ephemeral volume's claim without
//!   `volumeMode` gets `Filesystem`, an azureDisk without `kind` gets `Shared`;
//! - a pod template is validated without pod metadata, so the checks that need the pod's
//!   name (the PVC name of an ephemeral volume) do not run.
//!
//! Where upstream names a field path that is not the offending field (a subPath error at
//! `volumeMounts.subPath` without the index, a downward-API item at `downwardAPI.path`
//! without the item), everynode points at the offending field itself, so that the finding
//! lands on its line.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, DownwardAPIVolumeFile, KeyToPath, PersistentVolumeClaimSpec,
    PersistentVolumeClaimTemplate, PodSpec, Volume, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Reason, Violations, container_lists, downward, pointer, unsupported};
use crate::apimachinery::{self as primitives, Quantity};

/// `fileModeErrorMsg`.
const FILE_MODE: &str = "must be a number between 0 and 0777 (octal), both inclusive";
/// `pdPartitionErrorMsg` (`InclusiveRangeError(1, 255)`; the check itself allows 0).
const PARTITION: &str = "must be between 1 and 255, inclusive";
/// The message of a second volume source.
const MORE_THAN_ONE: &str = "may not specify more than 1 volume type";

/// What the mounts of the containers need to know of a volume that validated cleanly.
#[derive(Clone, Copy)]
struct Valid {
    /// The volume is a persistentVolumeClaim or a generic ephemeral volume, so it can be
    /// a block device.
    claim: bool,
}

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn volumes(v: &mut Violations, pod: &PodSpec, at: &str) {
    let list_at = pointer(at, "volumes");
    // Dropped before validation (ImageVolume is off by default in 1.33): the volume and
    // every mount that names it.
    let dropped: BTreeSet<&str> = pod
        .volumes
        .iter()
        .flatten()
        .filter(|vol| vol.image.is_some())
        .map(|vol| vol.name.as_str())
        .collect();
    let mut valid: BTreeMap<String, Valid> = BTreeMap::new();
    let mut names = BTreeSet::new();
    for (i, vol) in pod.volumes.iter().flatten().enumerate() {
        if vol.image.is_some() {
            continue;
        }
        let vol_at = pointer(&list_at, i);
        let before = v.0.len();
        source(v, vol, &vol_at);
        volume_name(v, vol, &vol_at, &names);
        if v.0.len() == before {
            names.insert(vol.name.clone());
            valid.insert(
                vol.name.clone(),
                Valid {
                    claim: vol.persistent_volume_claim.is_some() || vol.ephemeral.is_some(),
                },
            );
        }
        read_only_disk(v, vol, &vol_at);
    }
    for (field, containers) in container_lists(pod) {
        for (i, c) in containers.iter().enumerate() {
            let c_at = pointer(&pointer(at, field), i);
            mounts(v, c, &c_at, &valid, &dropped);
            devices(v, c, &c_at, &valid, &dropped);
        }
    }
}

/// The name part of `ValidateVolumes`: required, a DNS-1123 label, unique among the
/// volumes that validated so far.
fn volume_name(v: &mut Violations, vol: &Volume, at: &str, names: &BTreeSet<String>) {
    let name_at = pointer(at, "name");
    if vol.name.is_empty() {
        v.push(
            Reason::InvalidVolume,
            &name_at,
            "required value".into(),
            "give the volume a name",
        );
    } else if let Err(e) = primitives::dns1123_label(&vol.name) {
        v.push(
            Reason::InvalidVolume,
            &name_at,
            format!("volume name {:?} {e}", vol.name),
            "a volume name is a DNS-1123 label: lowercase letters, digits and '-'",
        );
    }
    if names.contains(&vol.name) {
        v.push(
            Reason::InvalidVolume,
            &name_at,
            format!("duplicate value {:?}", vol.name),
            "give each volume of the pod its own name",
        );
    }
}

/// `ValidateReadOnlyPersistentDisks` (pkg/apis/core/validation, called by
/// `ValidateDaemonSetSpec` in pkg/apis/apps/validation): a DaemonSet runs on many nodes,
/// and a GCE persistent disk attaches to many only read-only.
fn read_only_disk(v: &mut Violations, vol: &Volume, at: &str) {
    if let Some(pd) = &vol.gce_persistent_disk
        && pd.read_only != Some(true)
    {
        let at = pointer(&pointer(at, "gcePersistentDisk"), "readOnly");
        v.push(
            Reason::InvalidVolume,
            &at,
            "must be true for replicated pods > 1; GCE PD can only be mounted on multiple machines if it is read-only".into(),
            "set gcePersistentDisk.readOnly: true, or use a volume each node can mount",
        );
    }
}

/// `validateVolumeSource`: exactly one source (the first in upstream's order counts, every
/// further one is reported), and the rules of that source.
fn source(v: &mut Violations, vol: &Volume, at: &str) {
    let present = [
        ("emptyDir", vol.empty_dir.is_some()),
        ("hostPath", vol.host_path.is_some()),
        ("gitRepo", vol.git_repo.is_some()),
        ("gcePersistentDisk", vol.gce_persistent_disk.is_some()),
        (
            "awsElasticBlockStore",
            vol.aws_elastic_block_store.is_some(),
        ),
        ("secret", vol.secret.is_some()),
        ("nfs", vol.nfs.is_some()),
        ("iscsi", vol.iscsi.is_some()),
        ("glusterfs", vol.glusterfs.is_some()),
        ("flocker", vol.flocker.is_some()),
        (
            "persistentVolumeClaim",
            vol.persistent_volume_claim.is_some(),
        ),
        ("rbd", vol.rbd.is_some()),
        ("cinder", vol.cinder.is_some()),
        ("cephfs", vol.cephfs.is_some()),
        ("quobyte", vol.quobyte.is_some()),
        ("downwardAPI", vol.downward_api.is_some()),
        ("fc", vol.fc.is_some()),
        ("flexVolume", vol.flex_volume.is_some()),
        ("configMap", vol.config_map.is_some()),
        ("azureFile", vol.azure_file.is_some()),
        ("vsphereVolume", vol.vsphere_volume.is_some()),
        ("photonPersistentDisk", vol.photon_persistent_disk.is_some()),
        ("portworxVolume", vol.portworx_volume.is_some()),
        ("azureDisk", vol.azure_disk.is_some()),
        ("storageos", vol.storageos.is_some()),
        ("projected", vol.projected.is_some()),
        ("scaleIO", vol.scale_io.is_some()),
        ("csi", vol.csi.is_some()),
        ("ephemeral", vol.ephemeral.is_some()),
    ];
    let mut first = None;
    for (field, set) in present {
        if !set {
            continue;
        }
        if first.is_none() {
            first = Some(field);
        } else {
            v.push(
                Reason::InvalidVolume,
                &pointer(at, field),
                MORE_THAN_ONE.into(),
                "a volume has exactly one source: split it into two volumes",
            );
        }
    }
    // The iSCSI initiator rule of validateVolumeSource holds whichever source came first.
    if let Some(iscsi) = &vol.iscsi
        && iscsi.initiator_name.is_some()
        && vol.name.len() + 1 + iscsi.target_portal.len() > 64
    {
        v.push(
            Reason::InvalidVolume,
            &pointer(at, "name"),
            format!("{:?}: total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified", vol.name),
            "shorten the volume name or the target portal",
        );
    }
    let Some(field) = first else {
        // Unreachable through v1: the server makes a volume without a source an emptyDir.
        return;
    };
    let src_at = pointer(at, field);
    match field {
        "emptyDir" => empty_dir(v, vol, &src_at),
        "hostPath" => host_path(v, vol, &src_at),
        "secret" | "configMap" => key_volume(v, vol, &src_at),
        "downwardAPI" => {
            if let Some(d) = &vol.downward_api {
                mode(v, d.default_mode, &pointer(&src_at, "defaultMode"));
                for (i, item) in d.items.iter().flatten().enumerate() {
                    downward_file(v, item, &pointer(&pointer(&src_at, "items"), i));
                }
            }
        }
        "projected" => projected(v, vol, &src_at),
        "persistentVolumeClaim" => {
            if let Some(pvc) = &vol.persistent_volume_claim {
                required(v, &pvc.claim_name, &pointer(&src_at, "claimName"));
            }
        }
        "csi" => csi(v, vol, &src_at),
        "ephemeral" => {
            if let Some(e) = &vol.ephemeral {
                match &e.volume_claim_template {
                    Some(t) => claim_template(v, t, &pointer(&src_at, "volumeClaimTemplate")),
                    None => v.push(
                        Reason::InvalidVolume,
                        &pointer(&src_at, "volumeClaimTemplate"),
                        "required value".into(),
                        "describe the claim to create in volumeClaimTemplate",
                    ),
                }
            }
        }
        "nfs" => {
            if let Some(nfs) = &vol.nfs {
                required(v, &nfs.server, &pointer(&src_at, "server"));
                let path_at = pointer(&src_at, "path");
                required(v, &nfs.path, &path_at);
                if !nfs.path.starts_with('/') {
                    invalid(v, &path_at, &nfs.path, "must be an absolute path");
                }
            }
        }
        _ => legacy(v, vol, field, &src_at),
    }
}

/// A required string field (`field.Required(path, "")`).
fn required(v: &mut Violations, value: &str, at: &str) {
    if value.is_empty() {
        v.push(
            Reason::InvalidVolume,
            at,
            "required value".into(),
            "set this field: the API server requires it",
        );
    }
}

/// `field.Invalid(path, value, message)` for a volume field.
fn invalid(v: &mut Violations, at: &str, value: &str, message: &str) {
    v.push(
        Reason::InvalidVolume,
        at,
        format!("invalid value {value:?}: {message}"),
        invalid_help(message),
    );
}

/// How to fix what [`invalid`] reports, by the kind of its message.
fn invalid_help(message: &str) -> &'static str {
    let cases: &[(&str, &'static str)] = &[
        (
            "absolute path",
            "give the absolute path of the export on the NFS server",
        ),
        (
            "'..'",
            "a path may not step out of its root: remove the '..' elements",
        ),
        (
            "RFC 1123 subdomain",
            "use lowercase letters, digits, '-' and '.'",
        ),
        ("RFC 1123 label", "use lowercase letters, digits and '-'"),
        (
            "must not contain dots",
            "use lowercase letters, digits and '-'",
        ),
        ("255", "give a number from 0 to 255"),
        (
            "PersistentVolumeClaim",
            "name a PersistentVolumeClaim, or give the apiGroup of the kind",
        ),
        (
            "starting with iqn",
            "give an iSCSI name: iqn.YYYY-MM.domain:name, eui. and 16 hex digits, or naa. and 32",
        ),
        (
            "valid format",
            "give an iSCSI name: iqn.YYYY-MM.domain:name, eui. and 16 hex digits, or naa. and 32",
        ),
        (
            "host:port",
            "list the registries as host:port, separated by commas",
        ),
        ("'/'", "a dataset name has no '/'"),
        (
            "alphanumeric",
            "a key is an optional DNS prefix and '/', then a name of at most 63 characters",
        ),
    ];
    cases
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("see the Kubernetes rules for this field", |(_, help)| help)
}

/// `field.NotSupported(path, value, supported)`.
fn not_supported(v: &mut Violations, reason: Reason, at: &str, value: &str, supported: &[&str]) {
    v.push(
        reason,
        at,
        unsupported(value, supported),
        "use one of the supported values",
    );
}

/// A file mode (`defaultMode`, `mode`): 0 to 0777.
fn mode(v: &mut Violations, mode: Option<i32>, at: &str) {
    if let Some(m) = mode
        && !(0..=0o777).contains(&m)
    {
        v.push(
            Reason::InvalidVolume,
            at,
            format!("invalid value {m} (octal {m:o}): {FILE_MODE}"),
            "give the mode in octal (0644) or its decimal value (420): at most 0777 (511)",
        );
    }
}

/// `validateLocalDescendingPath`: relative, without `..`.
fn local_descending_path(v: &mut Violations, reason: Reason, path: &str, at: &str) {
    for problem in primitives::local_descending_path(path) {
        v.push(
            reason,
            at,
            format!("invalid value {path:?}: {problem}"),
            "give a path relative to the volume's root, without '..' elements",
        );
    }
}

/// `ValidateLocalNonReservedPath`: relative, without `..`, and not starting with `..`
/// (`..data` is where the kubelet keeps a volume's files).
fn local_non_reserved_path(v: &mut Violations, path: &str, at: &str) {
    local_descending_path(v, Reason::InvalidVolume, path, at);
    if path.starts_with("..") && !path.starts_with("../") {
        v.push(
            Reason::InvalidVolume,
            at,
            format!("invalid value {path:?}: must not start with '..'"),
            "names starting with '..' are reserved for the kubelet's own files",
        );
    }
}

fn empty_dir(v: &mut Violations, vol: &Volume, at: &str) {
    let Some(limit) = vol.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref()) else {
        return;
    };
    let limit_at = pointer(at, "sizeLimit");
    match Quantity::parse(limit.0.trim()) {
        Ok(q) if q.signum() < 0 => v.push(
            Reason::InvalidVolume,
            &limit_at,
            "SizeLimit field must be a valid resource quantity".into(),
            "give a size of 0 or more, such as 1Gi",
        ),
        Ok(_) => {}
        Err(e) => v.push(
            Reason::InvalidQuantity,
            &limit_at,
            format!("sizeLimit {:?} is not a quantity: {e}", limit.0),
            "write a number with an optional suffix: 500Mi, 1Gi",
        ),
    }
}

/// `validateHostPathVolumeSource` and `validateHostPathType`.
fn host_path(v: &mut Violations, vol: &Volume, at: &str) {
    const TYPES: &[&str] = &[
        "",
        "BlockDevice",
        "CharDevice",
        "Directory",
        "DirectoryOrCreate",
        "File",
        "FileOrCreate",
        "Socket",
    ];
    let Some(hp) = &vol.host_path else {
        return;
    };
    let path_at = pointer(at, "path");
    if hp.path.is_empty() {
        required(v, &hp.path, &path_at);
        return;
    }
    if primitives::has_backsteps(&hp.path) {
        invalid(v, &path_at, &hp.path, "must not contain '..'");
    }
    if let Some(t) = &hp.type_
        && !TYPES.contains(&t.as_str())
    {
        not_supported(v, Reason::InvalidVolume, &pointer(at, "type"), t, TYPES);
    }
}

/// `validateSecretVolumeSource` and `validateConfigMapVolumeSource`.
fn key_volume(v: &mut Violations, vol: &Volume, at: &str) {
    let (name, name_field, default_mode, items) = if let Some(s) = &vol.secret {
        (
            s.secret_name.as_deref().unwrap_or(""),
            "secretName",
            s.default_mode,
            &s.items,
        )
    } else if let Some(c) = &vol.config_map {
        (c.name.as_str(), "name", c.default_mode, &c.items)
    } else {
        return;
    };
    required(v, name, &pointer(at, name_field));
    mode(v, default_mode, &pointer(at, "defaultMode"));
    for (i, kp) in items.iter().flatten().enumerate() {
        key_to_path(v, kp, &pointer(&pointer(at, "items"), i));
    }
}

/// `validateKeyToPath`.
fn key_to_path(v: &mut Violations, kp: &KeyToPath, at: &str) {
    required(v, &kp.key, &pointer(at, "key"));
    let path_at = pointer(at, "path");
    required(v, &kp.path, &path_at);
    local_non_reserved_path(v, &kp.path, &path_at);
    mode(v, kp.mode, &pointer(at, "mode"));
}

/// `validateDownwardAPIVolumeFile`.
fn downward_file(v: &mut Violations, file: &DownwardAPIVolumeFile, at: &str) {
    let path_at = pointer(at, "path");
    required(v, &file.path, &path_at);
    local_non_reserved_path(v, &file.path, &path_at);
    match (&file.field_ref, &file.resource_field_ref) {
        (Some(f), resource) => {
            downward::field_ref(
                v,
                f,
                &pointer(at, "fieldRef"),
                downward::VOLUME_FIELD_PATHS,
                Reason::InvalidVolume,
                "a downward-API volume shows metadata.name, metadata.namespace, metadata.uid, metadata.labels or metadata.annotations: pass spec.* and status.* fields as env",
            );
            if resource.is_some() {
                v.push(
                    Reason::InvalidVolume,
                    &pointer(at, "resourceFieldRef"),
                    "fieldRef and resourceFieldRef can not be specified simultaneously".into(),
                    "a downward-API file shows one field: keep fieldRef or resourceFieldRef",
                );
            }
        }
        (None, Some(r)) => downward::resource_field_ref(
            v,
            r,
            &pointer(at, "resourceFieldRef"),
            true,
            Reason::InvalidVolume,
        ),
        (None, None) => v.push(
            Reason::InvalidVolume,
            at,
            "one of fieldRef and resourceFieldRef is required".into(),
            "say which pod field (fieldRef) or container resource (resourceFieldRef) the file shows",
        ),
    }
    mode(v, file.mode, &pointer(at, "mode"));
}

/// `validateProjectedVolumeSource` and `validateProjectionSources`.
fn projected(v: &mut Violations, vol: &Volume, at: &str) {
    let Some(p) = &vol.projected else {
        return;
    };
    mode(v, p.default_mode, &pointer(at, "defaultMode"));
    let mut paths = BTreeSet::new();
    for (i, source) in p.sources.iter().flatten().enumerate() {
        projection(v, source, &pointer(&pointer(at, "sources"), i), &mut paths);
    }
}

fn projection(
    v: &mut Violations,
    source: &VolumeProjection,
    at: &str,
    paths: &mut BTreeSet<String>,
) {
    let mut count = 0;
    let mut claim = |v: &mut Violations, path: &str, path_at: &str| {
        if !path.is_empty() && !paths.insert(path.to_string()) {
            v.push(
                Reason::InvalidVolume,
                path_at,
                format!("invalid value {path:?}: conflicting duplicate paths"),
                "give each file of a projected volume its own path",
            );
        }
    };
    for (field, name, items) in [
        (
            "secret",
            source.secret.as_ref().map(|s| s.name.as_str()),
            source.secret.as_ref().and_then(|s| s.items.as_ref()),
        ),
        (
            "configMap",
            source.config_map.as_ref().map(|c| c.name.as_str()),
            source.config_map.as_ref().and_then(|c| c.items.as_ref()),
        ),
    ] {
        let Some(name) = name else {
            continue;
        };
        count += 1;
        let src_at = pointer(at, field);
        required(v, name, &pointer(&src_at, "name"));
        for (j, kp) in items.into_iter().flatten().enumerate() {
            let item_at = pointer(&pointer(&src_at, "items"), j);
            key_to_path(v, kp, &item_at);
            claim(v, &kp.path, &pointer(&item_at, "path"));
        }
    }
    if let Some(d) = &source.downward_api {
        count += 1;
        let src_at = pointer(at, "downwardAPI");
        for (j, item) in d.items.iter().flatten().enumerate() {
            let item_at = pointer(&pointer(&src_at, "items"), j);
            downward_file(v, item, &item_at);
            claim(v, &item.path, &pointer(&item_at, "path"));
        }
    }
    if let Some(token) = &source.service_account_token {
        count += 1;
        let src_at = pointer(at, "serviceAccountToken");
        let seconds = token.expiration_seconds.unwrap_or(3600);
        let seconds_at = pointer(&src_at, "expirationSeconds");
        if seconds < 600 {
            v.push(
                Reason::InvalidVolume,
                &seconds_at,
                format!("invalid value {seconds}: may not specify a duration less than 10 minutes"),
                "a projected token lives at least 600 seconds",
            );
        }
        if seconds > 1 << 32 {
            v.push(
                Reason::InvalidVolume,
                &seconds_at,
                format!(
                    "invalid value {seconds}: may not specify a duration larger than 2^32 seconds"
                ),
                "a projected token lives at most 4294967296 seconds",
            );
        }
        let path_at = pointer(&src_at, "path");
        if token.path.is_empty() {
            required(v, &token.path, &path_at);
        } else {
            local_non_reserved_path(v, &token.path, &path_at);
        }
    }
    if count > 1 {
        v.push(
            Reason::InvalidVolume,
            at,
            "may not specify more than 1 volume type per source".into(),
            "one source per item of sources: split it into two items",
        );
    }
}

/// `ValidateCSIDriverName` and `validateCSIVolumeSource`.
fn csi(v: &mut Violations, vol: &Volume, at: &str) {
    let Some(c) = &vol.csi else {
        return;
    };
    let driver_at = pointer(at, "driver");
    required(v, &c.driver, &driver_at);
    if c.driver.len() > 63 {
        v.push(
            Reason::InvalidVolume,
            &driver_at,
            "must have at most 63 bytes".into(),
            "a CSI driver name has at most 63 characters",
        );
    }
    if !c.driver.is_empty()
        && let Err(e) = primitives::dns1123_subdomain(&c.driver.to_lowercase())
    {
        invalid(v, &driver_at, &c.driver, &e);
    }
    if let Some(secret) = &c.node_publish_secret_ref {
        let name_at = pointer(&pointer(at, "nodePublishSecretRef"), "name");
        if secret.name.is_empty() {
            required(v, &secret.name, &name_at);
        } else if let Err(e) = primitives::dns1123_subdomain(&secret.name) {
            invalid(v, &name_at, &secret.name, &e);
        }
    }
}

/// `ValidatePersistentVolumeClaimTemplate`: `ValidateTemplateObjectMeta` and
/// `ValidatePersistentVolumeClaimSpec` (the VolumeAttributesClass gate is off in 1.33).
fn claim_template(v: &mut Violations, t: &PersistentVolumeClaimTemplate, at: &str) {
    if let Some(meta) = &t.metadata {
        template_meta(v, meta, &pointer(at, "metadata"));
    }
    claim_spec(v, &t.spec, &pointer(at, "spec"));
}

/// `ValidateTemplateObjectMeta`: labels and annotations, and no other metadata.
fn template_meta(v: &mut Violations, meta: &ObjectMeta, at: &str) {
    v.labels(meta.labels.as_ref(), &pointer(at, "labels"));
    v.annotations(meta.annotations.as_ref(), &pointer(at, "annotations"));
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let fields = [
        ("name", set(&meta.name)),
        ("generateName", set(&meta.generate_name)),
        ("namespace", set(&meta.namespace)),
        ("selfLink", set(&meta.self_link)),
        ("uid", set(&meta.uid)),
        ("resourceVersion", set(&meta.resource_version)),
        ("generation", meta.generation.is_some_and(|g| g != 0)),
        ("creationTimestamp", meta.creation_timestamp.is_some()),
        ("deletionTimestamp", meta.deletion_timestamp.is_some()),
        (
            "deletionGracePeriodSeconds",
            meta.deletion_grace_period_seconds.is_some(),
        ),
        ("ownerReferences", meta.owner_references.is_some()),
        ("finalizers", meta.finalizers.is_some()),
        ("managedFields", meta.managed_fields.is_some()),
    ];
    for (field, is_set) in fields {
        if is_set {
            v.push(
                Reason::InvalidVolume,
                &pointer(at, field),
                "cannot be set".into(),
                "the claim template's metadata takes only labels and annotations",
            );
        }
    }
}

/// `ValidatePersistentVolumeClaimSpec`.
fn claim_spec(v: &mut Violations, spec: &PersistentVolumeClaimSpec, at: &str) {
    const MODES: &[&str] = &[
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOnce",
        "ReadWriteOncePod",
    ];
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    let modes_at = pointer(at, "accessModes");
    if modes.is_empty() {
        v.push(
            Reason::InvalidVolume,
            &modes_at,
            "at least 1 access mode is required".into(),
            "give the claim an access mode, such as ReadWriteOnce",
        );
    }
    if let Some(selector) = &spec.selector {
        v.label_selector(selector, &pointer(at, "selector"), Reason::InvalidVolume);
    }
    let (mut once_pod, mut other) = (false, false);
    for (i, m) in modes.iter().enumerate() {
        if !MODES.contains(&m.as_str()) {
            not_supported(v, Reason::InvalidVolume, &pointer(&modes_at, i), m, MODES);
        } else if m == "ReadWriteOncePod" {
            once_pod = true;
        } else {
            other = true;
        }
    }
    if once_pod && other {
        v.push(
            Reason::InvalidVolume,
            &modes_at,
            "may not use ReadWriteOncePod with other access modes".into(),
            "ReadWriteOncePod stands alone",
        );
    }
    let requests_at = pointer(&pointer(at, "resources"), "requests");
    match spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
    {
        None => v.push(
            Reason::InvalidVolume,
            &pointer(&requests_at, "storage"),
            "required value".into(),
            "request the claim's size in resources.requests.storage",
        ),
        Some(q) => match Quantity::parse(q.0.trim()) {
            Ok(q) if q.signum() <= 0 => v.push(
                Reason::InvalidVolume,
                &pointer(&requests_at, "storage"),
                format!(
                    "invalid value {:?}: must be greater than zero",
                    q.canonical()
                ),
                "request a positive size, such as 1Gi",
            ),
            Ok(_) => {}
            Err(e) => v.push(
                Reason::InvalidQuantity,
                &pointer(&requests_at, "storage"),
                format!("storage {:?} is not a quantity: {e}", q.0),
                "write a number with an optional suffix: 500Mi, 1Gi",
            ),
        },
    }
    if let Some(class) = &spec.storage_class_name
        && !class.is_empty()
        && let Err(e) = primitives::dns1123_subdomain(class)
    {
        invalid(v, &pointer(at, "storageClassName"), class, &e);
    }
    if let Some(m) = &spec.volume_mode
        && !matches!(m.as_str(), "Block" | "Filesystem")
    {
        not_supported(
            v,
            Reason::InvalidVolume,
            &pointer(at, "volumeMode"),
            m,
            &["Block", "Filesystem"],
        );
    }
    if let Some(ds) = &spec.data_source {
        data_source(
            v,
            &ds.name,
            &ds.kind,
            ds.api_group.as_deref(),
            None,
            &pointer(at, "dataSource"),
        );
    }
    if let Some(r) = &spec.data_source_ref {
        data_source(
            v,
            &r.name,
            &r.kind,
            r.api_group.as_deref(),
            r.namespace.as_deref(),
            &pointer(at, "dataSourceRef"),
        );
    }
    let ref_namespace = spec
        .data_source_ref
        .as_ref()
        .and_then(|r| r.namespace.as_deref())
        .is_some_and(|n| !n.is_empty());
    match (&spec.data_source, &spec.data_source_ref) {
        (Some(_), Some(_)) if ref_namespace => v.push(
            Reason::InvalidVolume,
            &pointer(at, "dataSource"),
            "may not be specified when dataSourceRef.namespace is specified".into(),
            "keep only dataSourceRef",
        ),
        (Some(ds), Some(r))
            if ds.api_group != r.api_group || ds.kind != r.kind || ds.name != r.name =>
        {
            v.push(
                Reason::InvalidVolume,
                &pointer(at, "dataSource"),
                "must match dataSourceRef".into(),
                "give dataSource and dataSourceRef the same object, or keep only one",
            )
        }
        _ => {}
    }
}

/// `validateDataSource` and `validateDataSourceRef`.
fn data_source(
    v: &mut Violations,
    name: &str,
    kind: &str,
    api_group: Option<&str>,
    namespace: Option<&str>,
    at: &str,
) {
    required(v, name, &pointer(at, "name"));
    required(v, kind, &pointer(at, "kind"));
    let group = api_group.unwrap_or("");
    if group.is_empty() && kind != "PersistentVolumeClaim" {
        invalid(
            v,
            &pointer(at, "kind"),
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        );
    }
    if !group.is_empty()
        && let Err(e) = primitives::dns1123_subdomain(group)
    {
        invalid(v, &pointer(at, "apiGroup"), group, &e);
    }
    if let Some(ns) = namespace
        && !ns.is_empty()
        && let Err(e) = primitives::dns1123_label(ns)
    {
        invalid(v, &pointer(at, "namespace"), ns, &e);
    }
}

/// The in-tree sources of old storage plugins: each required field and format rule of
/// `validateGitRepoVolumeSource`, `validateGCEPersistentDiskVolumeSource`,
/// `validateAWSElasticBlockStoreVolumeSource`, `validateISCSIVolumeSource`,
/// `validateGlusterfsVolumeSource`, `validateFlockerVolumeSource`, `validateRBDVolumeSource`,
/// `validateCinderVolumeSource`, `validateCephFSVolumeSource`, `validateQuobyteVolumeSource`,
/// `validateFCVolumeSource`, `validateFlexVolumeSource`, `validateAzureFile`,
/// `validateVsphereVolumeSource`, `validatePhotonPersistentDiskVolumeSource`,
/// `validatePortworxVolumeSource`, `validateAzureDisk`, `validateStorageOSVolumeSource`,
/// `validateScaleIOVolumeSource`.
fn legacy(v: &mut Violations, vol: &Volume, field: &str, at: &str) {
    let f = |name: &str| pointer(at, name);
    match field {
        "gitRepo" => {
            if let Some(g) = &vol.git_repo {
                required(v, &g.repository, &f("repository"));
                if let Some(dir) = &g.directory {
                    local_descending_path(v, Reason::InvalidVolume, dir, &f("directory"));
                }
            }
        }
        "gcePersistentDisk" => {
            if let Some(pd) = &vol.gce_persistent_disk {
                required(v, &pd.pd_name, &f("pdName"));
                partition(v, pd.partition, &f("partition"));
            }
        }
        "awsElasticBlockStore" => {
            if let Some(pd) = &vol.aws_elastic_block_store {
                required(v, &pd.volume_id, &f("volumeID"));
                partition(v, pd.partition, &f("partition"));
            }
        }
        "iscsi" => {
            if let Some(i) = &vol.iscsi {
                required(v, &i.target_portal, &f("targetPortal"));
                if i.iqn.is_empty() {
                    required(v, &i.iqn, &f("iqn"));
                } else if let Some(problem) = iscsi_name_problem(&i.iqn) {
                    invalid(v, &f("iqn"), &i.iqn, problem);
                }
                if !(0..=255).contains(&i.lun) {
                    invalid(
                        v,
                        &f("lun"),
                        &i.lun.to_string(),
                        "must be between 0 and 255, inclusive",
                    );
                }
                let chap = i.chap_auth_discovery == Some(true) || i.chap_auth_session == Some(true);
                if chap && i.secret_ref.is_none() {
                    v.push(
                        Reason::InvalidVolume,
                        &f("secretRef"),
                        "required value".into(),
                        "CHAP authentication reads its credentials from secretRef",
                    );
                }
                if let Some(initiator) = &i.initiator_name
                    && let Some(problem) = iscsi_name_problem(initiator)
                {
                    invalid(v, &f("initiatorName"), initiator, problem);
                }
            }
        }
        "glusterfs" => {
            if let Some(g) = &vol.glusterfs {
                required(v, &g.endpoints, &f("endpoints"));
                required(v, &g.path, &f("path"));
            }
        }
        "flocker" => {
            if let Some(fl) = &vol.flocker {
                let name = fl.dataset_name.as_deref().unwrap_or("");
                let uuid = fl.dataset_uuid.as_deref().unwrap_or("");
                if name.is_empty() && uuid.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        at,
                        "one of datasetName and datasetUUID is required".into(),
                        "name the Flocker dataset",
                    );
                }
                if !name.is_empty() && !uuid.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        at,
                        "datasetName and datasetUUID can not be specified simultaneously".into(),
                        "keep one of datasetName and datasetUUID",
                    );
                }
                if name.contains('/') {
                    invalid(v, &f("datasetName"), name, "must not contain '/'");
                }
            }
        }
        "rbd" => {
            if let Some(r) = &vol.rbd {
                if r.monitors.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        &f("monitors"),
                        "required value".into(),
                        "list the Ceph monitors",
                    );
                }
                required(v, &r.image, &f("image"));
            }
        }
        "cinder" => {
            if let Some(c) = &vol.cinder {
                required(v, &c.volume_id, &f("volumeID"));
                if let Some(s) = &c.secret_ref {
                    required(v, &s.name, &pointer(&f("secretRef"), "name"));
                }
            }
        }
        "cephfs" => {
            if let Some(c) = &vol.cephfs
                && c.monitors.is_empty()
            {
                v.push(
                    Reason::InvalidVolume,
                    &f("monitors"),
                    "required value".into(),
                    "list the Ceph monitors",
                );
            }
        }
        "quobyte" => {
            if let Some(q) = &vol.quobyte {
                let tenant = q.tenant.as_deref().unwrap_or("");
                if q.registry.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        &f("registry"),
                        "must be a host:port pair or multiple pairs separated by commas".into(),
                        "name the Quobyte registry as host:port",
                    );
                } else if tenant.len() >= 65 {
                    v.push(
                        Reason::InvalidVolume,
                        &f("tenant"),
                        "must be a UUID and may not exceed a length of 64 characters".into(),
                        "give the tenant's UUID",
                    );
                } else {
                    for pair in q.registry.split(',') {
                        if !host_port(pair) {
                            invalid(
                                v,
                                &f("registry"),
                                &q.registry,
                                "must be a host:port pair or multiple pairs separated by commas",
                            );
                        }
                    }
                }
                required(v, &q.volume, &f("volume"));
            }
        }
        "fc" => {
            if let Some(fc) = &vol.fc {
                let wwns = fc.target_wwns.as_deref().unwrap_or_default();
                let wwids = fc.wwids.as_deref().unwrap_or_default();
                if wwns.is_empty() && wwids.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        &f("targetWWNs"),
                        "must specify either targetWWNs or wwids, but not both".into(),
                        "give targetWWNs (with lun) or wwids",
                    );
                }
                if !wwns.is_empty() && !wwids.is_empty() {
                    v.push(
                        Reason::InvalidVolume,
                        &f("targetWWNs"),
                        "targetWWNs and wwids can not be specified simultaneously".into(),
                        "keep targetWWNs or wwids",
                    );
                }
                if !wwns.is_empty() {
                    match fc.lun {
                        None => v.push(
                            Reason::InvalidVolume,
                            &f("lun"),
                            "lun is required if targetWWNs is specified".into(),
                            "give the lun of the target",
                        ),
                        Some(lun) if !(0..=255).contains(&lun) => invalid(
                            v,
                            &f("lun"),
                            &lun.to_string(),
                            "must be between 0 and 255, inclusive",
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        "flexVolume" => {
            if let Some(fv) = &vol.flex_volume {
                required(v, &fv.driver, &f("driver"));
                for key in fv.options.iter().flatten().map(|(k, _)| k) {
                    let namespace = key.split_once('/').map_or(key.as_str(), |(ns, _)| ns);
                    let normalized = format!(".{}", namespace.to_lowercase());
                    if normalized.ends_with(".kubernetes.io") || normalized.ends_with(".k8s.io") {
                        v.push_key(
                            Reason::InvalidVolume,
                            &pointer(&f("options"), key),
                            format!("invalid value {key:?}: kubernetes.io and k8s.io namespaces are reserved"),
                            "prefix the option with your own domain",
                        );
                    }
                }
            }
        }
        "azureFile" => {
            if let Some(a) = &vol.azure_file {
                required(v, &a.secret_name, &f("secretName"));
                required(v, &a.share_name, &f("shareName"));
            }
        }
        "vsphereVolume" => {
            if let Some(s) = &vol.vsphere_volume {
                required(v, &s.volume_path, &f("volumePath"));
            }
        }
        "photonPersistentDisk" => {
            if let Some(p) = &vol.photon_persistent_disk {
                required(v, &p.pd_id, &f("pdID"));
            }
        }
        "portworxVolume" => {
            if let Some(p) = &vol.portworx_volume {
                required(v, &p.volume_id, &f("volumeID"));
            }
        }
        "azureDisk" => azure_disk(v, vol, at),
        "storageos" => {
            if let Some(s) = &vol.storageos {
                let name = s.volume_name.as_deref().unwrap_or("");
                if name.is_empty() {
                    required(v, name, &f("volumeName"));
                } else if let Err(e) = primitives::dns1123_label(name) {
                    invalid(v, &f("volumeName"), name, &e);
                }
                let ns = s.volume_namespace.as_deref().unwrap_or("");
                if !ns.is_empty()
                    && let Err(e) = primitives::dns1123_label(ns)
                {
                    invalid(v, &f("volumeNamespace"), ns, &e);
                }
                if let Some(secret) = &s.secret_ref {
                    required(v, &secret.name, &pointer(&f("secretRef"), "name"));
                }
            }
        }
        "scaleIO" => {
            if let Some(s) = &vol.scale_io {
                required(v, &s.gateway, &f("gateway"));
                required(v, &s.system, &f("system"));
                required(v, s.volume_name.as_deref().unwrap_or(""), &f("volumeName"));
            }
        }
        _ => {}
    }
}

/// A partition of a persistent disk: 0 to 255.
fn partition(v: &mut Violations, partition: Option<i32>, at: &str) {
    if let Some(p) = partition
        && !(0..=255).contains(&p)
    {
        invalid(v, at, &p.to_string(), PARTITION);
    }
}

/// `validateAzureDisk`, after `SetDefaults_AzureDiskVolumeSource` (kind `Shared`).
fn azure_disk(v: &mut Violations, vol: &Volume, at: &str) {
    const CACHING: &[&str] = &["None", "ReadOnly", "ReadWrite"];
    const KINDS: &[&str] = &["Dedicated", "Managed", "Shared"];
    let Some(a) = &vol.azure_disk else {
        return;
    };
    required(v, &a.disk_name, &pointer(at, "diskName"));
    required(v, &a.disk_uri, &pointer(at, "diskURI"));
    if let Some(c) = &a.caching_mode
        && !CACHING.contains(&c.as_str())
    {
        not_supported(
            v,
            Reason::InvalidVolume,
            &pointer(at, "cachingMode"),
            c,
            CACHING,
        );
    }
    let kind = a.kind.as_deref().unwrap_or("Shared");
    if !KINDS.contains(&kind) {
        not_supported(v, Reason::InvalidVolume, &pointer(at, "kind"), kind, KINDS);
    }
    let uri_at = pointer(at, "diskURI");
    if kind == "Managed" && !a.disk_uri.starts_with("/subscriptions/") {
        not_supported(
            v,
            Reason::InvalidVolume,
            &uri_at,
            &a.disk_uri,
            &[
                "/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}",
            ],
        );
    }
    if kind != "Managed" && !a.disk_uri.starts_with("https://") {
        not_supported(
            v,
            Reason::InvalidVolume,
            &uri_at,
            &a.disk_uri,
            &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"],
        );
    }
}

/// The iSCSI name rules of `validateISCSIVolumeSource` (`iscsiInitiatorIqnRegex`,
/// `iscsiInitiatorEuiRegex`, `iscsiInitiatorNaaRegex`): what is wrong, if anything.
fn iscsi_name_problem(name: &str) -> Option<&'static str> {
    let valid = if name.starts_with("iqn") {
        iqn(name)
    } else if let Some(rest) = name.strip_prefix("eui") {
        any_then_alnum(rest, 16)
    } else if let Some(rest) = name.strip_prefix("naa") {
        any_then_alnum(rest, 32)
    } else {
        return Some("must be valid format starting with iqn, eui, or naa");
    };
    (!valid).then_some("must be valid format")
}

/// `iqn\.\d{4}-\d{2}\.([[:alnum:]-.]+)(:[^,;*&$|\s]+)$`, unanchored at the start.
fn iqn(name: &str) -> bool {
    name.match_indices("iqn.").any(|(i, _)| {
        let b = &name.as_bytes()[i + 4..];
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        if b.len() < 8 || !digits(&b[..4]) || b[4] != b'-' || !digits(&b[5..7]) || b[7] != b'.' {
            return false;
        }
        let rest = &name[i + 12..];
        let Some((naming, tail)) = rest.split_once(':') else {
            return false;
        };
        !naming.is_empty()
            && naming
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
            && !tail.is_empty()
            && tail
                .chars()
                .all(|c| !",;*&$|".contains(c) && !c.is_whitespace())
    })
}

/// `^.[[:alnum:]]{n}$` of the rest after `eui` or `naa`.
fn any_then_alnum(rest: &str, n: usize) -> bool {
    let mut chars = rest.chars();
    chars.next().is_some_and(|c| c != '\n')
        && chars.clone().count() == n
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `net.SplitHostPort` succeeds: `host:port` or `[v6]:port`.
fn host_port(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('[') {
        let Some((host, tail)) = rest.split_once(']') else {
            return false;
        };
        !host.contains('[')
            && tail.starts_with(':')
            && !tail[1..].contains(':')
            && !tail[1..].contains(']')
    } else {
        s.matches(':').count() == 1 && !s.contains('[') && !s.contains(']')
    }
}

/// `ValidateVolumeMounts` and `validateMountPropagation`, `validateMountRecursiveReadOnly`
/// for one container.
fn mounts(
    v: &mut Violations,
    c: &Container,
    at: &str,
    valid: &BTreeMap<String, Valid>,
    dropped: &BTreeSet<&str>,
) {
    const PROPAGATION: &[&str] = &["Bidirectional", "HostToContainer", "None"];
    const RECURSIVE: &[&str] = &["Disabled", "Enabled", "IfPossible"];
    let device_paths: BTreeMap<&str, &str> = c
        .volume_devices
        .iter()
        .flatten()
        .map(|d| (d.name.as_str(), d.device_path.as_str()))
        .collect();
    let privileged = c
        .security_context
        .as_ref()
        .and_then(|s| s.privileged)
        .unwrap_or(false);
    let list_at = pointer(at, "volumeMounts");
    let mut paths = BTreeSet::new();
    // Dropped mounts take their index with them: the API server validates the list
    // without them, but the pointer names the manifest's own index.
    for (i, m) in c.volume_mounts.iter().flatten().enumerate() {
        if dropped.contains(m.name.as_str()) {
            continue;
        }
        let m_at = pointer(&list_at, i);
        let name_at = pointer(&m_at, "name");
        let path_at = pointer(&m_at, "mountPath");
        if m.name.is_empty() {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                "required value".into(),
                "name the volume to mount",
            );
        }
        if !valid.contains_key(&m.name) {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!("not found: {:?} names no valid volume of the pod", m.name),
                "mount a volume listed in spec.volumes, by its name",
            );
        }
        if m.mount_path.is_empty() {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                "required value".into(),
                "say where the volume appears in the container",
            );
        }
        if !paths.insert(m.mount_path.as_str()) {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                format!("invalid value {:?}: must be unique", m.mount_path),
                "mount one volume per path of the container",
            );
        }
        if device_paths.contains_key(m.name.as_str()) {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!(
                    "invalid value {:?}: must not already exist in volumeDevices",
                    m.name
                ),
                "a volume is a filesystem mount or a block device in a container, not both",
            );
        }
        if device_paths.values().any(|p| *p == m.mount_path) {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                format!(
                    "invalid value {:?}: must not already exist as a path in volumeDevices",
                    m.mount_path
                ),
                "give the mount and the device different paths",
            );
        }
        let sub_path = m.sub_path.as_deref().unwrap_or("");
        let sub_path_expr = m.sub_path_expr.as_deref().unwrap_or("");
        if !sub_path.is_empty() {
            local_descending_path(
                v,
                Reason::InvalidVolumeMount,
                sub_path,
                &pointer(&m_at, "subPath"),
            );
        }
        if !sub_path_expr.is_empty() {
            let expr_at = pointer(&m_at, "subPathExpr");
            if !sub_path.is_empty() {
                v.push(
                    Reason::InvalidVolumeMount,
                    &expr_at,
                    format!("invalid value {sub_path_expr:?}: subPathExpr and subPath are mutually exclusive"),
                    "keep subPath or subPathExpr",
                );
            }
            local_descending_path(v, Reason::InvalidVolumeMount, sub_path_expr, &expr_at);
        }
        if let Some(p) = &m.mount_propagation {
            let p_at = pointer(&m_at, "mountPropagation");
            if !PROPAGATION.contains(&p.as_str()) {
                not_supported(v, Reason::InvalidVolumeMount, &p_at, p, PROPAGATION);
            }
            if p == "Bidirectional" && !privileged {
                v.push(
                    Reason::InvalidVolumeMount,
                    &p_at,
                    "Bidirectional mount propagation is available only to privileged containers"
                        .into(),
                    "set securityContext.privileged: true on the container, or use HostToContainer",
                );
            }
        }
        if let Some(r) = &m.recursive_read_only {
            let r_at = pointer(&m_at, "recursiveReadOnly");
            match r.as_str() {
                "Disabled" => {}
                "Enabled" | "IfPossible" => {
                    if m.read_only != Some(true) {
                        v.push(
                            Reason::InvalidVolumeMount,
                            &r_at,
                            "may only be specified when readOnly is true".into(),
                            "set readOnly: true on the mount",
                        );
                    }
                    if m.mount_propagation.as_deref().is_some_and(|p| p != "None") {
                        v.push(
                            Reason::InvalidVolumeMount,
                            &r_at,
                            "may only be specified when mountPropagation is None or not specified"
                                .into(),
                            "remove mountPropagation, or recursiveReadOnly",
                        );
                    }
                }
                other => not_supported(v, Reason::InvalidVolumeMount, &r_at, other, RECURSIVE),
            }
        }
    }
}

/// `ValidateVolumeDevices` for one container.
fn devices(
    v: &mut Violations,
    c: &Container,
    at: &str,
    valid: &BTreeMap<String, Valid>,
    dropped: &BTreeSet<&str>,
) {
    let mount_paths: BTreeMap<&str, &str> = c
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| !dropped.contains(m.name.as_str()))
        .map(|m| (m.name.as_str(), m.mount_path.as_str()))
        .collect();
    let list_at = pointer(at, "volumeDevices");
    let (mut names, mut paths) = (BTreeSet::new(), BTreeSet::new());
    for (i, d) in c.volume_devices.iter().flatten().enumerate() {
        let d_at = pointer(&list_at, i);
        let name_at = pointer(&d_at, "name");
        let path_at = pointer(&d_at, "devicePath");
        if d.name.is_empty() {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                "required value".into(),
                "name the volume to attach",
            );
        }
        if names.contains(d.name.as_str()) {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!("invalid value {:?}: must be unique", d.name),
                "attach each volume once per container",
            );
        }
        match valid.get(&d.name) {
            Some(Valid { claim: false }) => v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!("invalid value {:?}: can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode", d.name),
                "a block device comes from a persistentVolumeClaim or ephemeral volume",
            ),
            Some(_) => {}
            None => v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!("not found: {:?} names no valid volume of the pod", d.name),
                "attach a volume listed in spec.volumes, by its name",
            ),
        }
        if d.device_path.is_empty() {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                "required value".into(),
                "say where the device appears in the container",
            );
        }
        if paths.contains(d.device_path.as_str()) {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                format!("invalid value {:?}: must be unique", d.device_path),
                "give each device its own path",
            );
        }
        if !d.device_path.is_empty() && primitives::has_backsteps(&d.device_path) {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                format!(
                    "invalid value {:?}: can not contain backsteps ('..')",
                    d.device_path
                ),
                "remove the '..' elements from the device path",
            );
        } else {
            paths.insert(d.device_path.as_str());
        }
        if mount_paths.contains_key(d.name.as_str()) {
            v.push(
                Reason::InvalidVolumeMount,
                &name_at,
                format!(
                    "invalid value {:?}: must not already exist in volumeMounts",
                    d.name
                ),
                "a volume is a filesystem mount or a block device in a container, not both",
            );
        }
        if mount_paths.values().any(|p| *p == d.device_path) {
            v.push(
                Reason::InvalidVolumeMount,
                &path_at,
                format!(
                    "invalid value {:?}: must not already exist as a path in volumeMounts",
                    d.device_path
                ),
                "give the device and the mount different paths",
            );
        }
        if !d.name.is_empty() {
            names.insert(d.name.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iscsi_names_follow_the_upstream_patterns() {
        assert_eq!(
            iscsi_name_problem("iqn.2001-04.com.example:storage.disk1"),
            None
        );
        assert_eq!(iscsi_name_problem("iqn.1994-05.com.redhat:agent"), None);
        assert_eq!(iscsi_name_problem("eui.02004567A425678D"), None);
        assert_eq!(
            iscsi_name_problem("naa.52004567BA64678D52004567BA64678D"),
            None
        );
        assert_eq!(
            iscsi_name_problem("iqn.2001-04.com.example"),
            Some("must be valid format")
        );
        assert_eq!(
            iscsi_name_problem("iqn.2001-04.com.example:a b"),
            Some("must be valid format")
        );
        assert_eq!(iscsi_name_problem("eui.0200"), Some("must be valid format"));
        assert_eq!(
            iscsi_name_problem("disk1"),
            Some("must be valid format starting with iqn, eui, or naa")
        );
    }

    #[test]
    fn host_port_pairs_split_as_go_splits_them() {
        assert!(host_port("registry:7861"));
        assert!(host_port("[::1]:7861"));
        assert!(host_port(":7861"));
        assert!(!host_port("registry"));
        assert!(!host_port("::1:7861"));
        assert!(!host_port("[::1]"));
    }

    #[test]
    fn paths_step_back_only_on_a_whole_element() {
        assert!(primitives::has_backsteps("a/../b"));
        assert!(primitives::has_backsteps(".."));
        assert!(!primitives::has_backsteps("..a/b"));
        assert!(!primitives::has_backsteps("a/b.."));
    }
}
