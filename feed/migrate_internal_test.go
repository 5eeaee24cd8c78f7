package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// released are the SHA-256 sums of the statements of every migration a
// release has shipped. A released migration never changes: databases
// that ran it will not run it again. To change a table, add a migration
// (and, when it ships, its sum here).
var released = map[int]string{
	1: "0568d3d467e93f56589461c78c84ff1c78924e4ac3ee73ae9db678d523a4e322", // the tables of v0.2.0
}

func migrationSum(m migration) string {
	h := sha256.Sum256([]byte(strings.Join(m.statements, "\n;\n")))
	return hex.EncodeToString(h[:])
}

func TestReleasedMigrationsNeverChange(t *testing.T) {
	for _, m := range migrations {
		want, ok := released[m.version]
		if !ok {
			continue // not released yet
		}
		if got := migrationSum(m); got != want {
			t.Errorf("migration %d (%s) changed (sum %s, released %s): a released migration must stay as it was; add a new migration instead", m.version, m.name, got, want)
		}
	}
}

func TestMigrationsAreNumberedFromOneInOrder(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 || m.name == "" || len(m.statements) == 0 {
			t.Errorf("migration %d: version %d, name %q, %d statements; want version %d, a name and statements", i, m.version, m.name, len(m.statements), i+1)
		}
	}
	if SchemaVersion() != len(migrations) {
		t.Errorf("SchemaVersion() = %d, want %d", SchemaVersion(), len(migrations))
	}
}
