package plan

import "sort"

// PasswordParameterNames are the parameters TripleO generates passwords and
// keys for (tripleo-common's PASSWORD_PARAMETER_NAMES, Queens, with the names
// later releases added). A user value for one of them in parameter_defaults
// overrides the generated one, so both places hold secrets.
var PasswordParameterNames = []string{
	"AdminPassword", "AdminToken", "AodhPassword", "BarbicanPassword", "BarbicanSimpleCryptoKek",
	"CeilometerMeteringSecret", "CeilometerPassword", "CephAdminKey", "CephClientKey", "CephClusterFSID",
	"CephDashboardAdminPassword", "CephGrafanaAdminPassword", "CephManilaClientKey", "CephMdsKey", "CephMonKey",
	"CephRgwKey", "CinderPassword", "CongressPassword", "DesignatePassword", "DesignateRndcKey", "Ec2ApiPassword",
	"EtcdInitialClusterToken", "GlancePassword", "GnocchiPassword", "HAProxyStatsPassword", "HeatAuthEncryptionKey",
	"HeatPassword", "HeatStackDomainAdminPassword", "HorizonSecret", "IronicPassword", "KeystoneCredential0",
	"KeystoneCredential1", "KeystoneFernetKey0", "KeystoneFernetKey1", "KeystoneFernetKeys", "KeystonePassword",
	"LibvirtTLSPassword", "ManilaPassword", "MigrationSshKey", "MistralPassword", "MysqlClustercheckPassword",
	"MysqlRootPassword", "NeutronMetadataProxySharedSecret", "NeutronPassword", "NotifyPassword", "NovaPassword",
	"NovajoinPassword", "OctaviaCaKeyPassphrase", "OctaviaHeartbeatKey", "OctaviaPassword",
	"OctaviaServerCertsKeyPassphrase", "PacemakerRemoteAuthkey", "PankoPassword", "PcsdPassword",
	"PlacementPassword", "RabbitCookie", "RabbitPassword", "RedisPassword", "RpcPassword", "SaharaPassword",
	"SnmpdReadonlyUserPassword", "SwiftHashSuffix", "SwiftPassword", "TackerPassword", "TrovePassword",
	"ZaqarPassword",
}

var passwordNames = func() map[string]bool {
	m := make(map[string]bool, len(PasswordParameterNames))
	for _, n := range PasswordParameterNames {
		m[n] = true
	}
	return m
}()

// IsPasswordParameter reports whether name is one of PasswordParameterNames
// or looks like a secret (password, secret, token, key, passphrase, ...).
func IsPasswordParameter(name string) bool {
	return passwordNames[name] || secretParam.MatchString(name)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
