package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuMark is the CPU time used so far by this process (load generator and,
// in-process, the server) and by the database server when one runs on this
// machine (mariadbd/mysqld, found in /proc), to split a phase's CPU.
type cpuMark struct {
	self, db, srv time.Duration
	dbPID, srvPID int
}

// benchDBServer says the database is a server on this machine (MySQL), not
// in the bench's own process (SQLite).
var benchDBServer bool

// benchServerPID is a StarCard server run as its own process (-url with
// -server-pid), so the load generator's CPU is told apart from the server's.
var benchServerPID int

func startCPU() cpuMark {
	var m cpuMark
	if benchDBServer {
		m.dbPID = dbServerPID()
	}
	m.srvPID = benchServerPID
	m.self = selfCPU()
	m.db = procCPU(m.dbPID)
	m.srv = procCPU(m.srvPID)
	return m
}

// since formats the CPU per successful operation since the mark.
func (m cpuMark) since(r benchResult) string {
	n := len(r.lat)
	if n == 0 {
		return ""
	}
	self := selfCPU() - m.self
	s := fmt.Sprintf("  %.2f", float64(self.Microseconds())/1000/float64(n))
	if m.srvPID > 0 {
		s += fmt.Sprintf(" + server %.2f", float64((procCPU(m.srvPID)-m.srv).Microseconds())/1000/float64(n))
	}
	if m.dbPID > 0 {
		s += fmt.Sprintf(" / %.2f", float64((procCPU(m.dbPID)-m.db).Microseconds())/1000/float64(n))
	} else {
		s += " / (in process)"
	}
	return s
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dbServerPID finds a local MariaDB/MySQL server process, or 0.
func dbServerPID() int {
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		b, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(b)) {
		case "mariadbd", "mysqld":
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(c)))
			return pid
		}
	}
	return 0
}

// procCPU reads utime+stime of a process from /proc (clock ticks of 10 ms).
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
