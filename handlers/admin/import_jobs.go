package admin

import (
	"sync"
	"time"
)

// importJob is the progress of one import running in the background.
type importJob struct {
	Done, Total int
	Imported    int
	Finished    bool
	Err         error
	Started     time.Time
}

// importJobs keeps the progress of the imports this instance is running,
// for the progress bar; the import itself is one database transaction, so
// its outcome does not depend on this memory.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

func newImportJobs() *importJobs { return &importJobs{jobs: map[string]*importJob{}} }

func (j *importJobs) start(id string, total int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for k, v := range j.jobs { // forget jobs finished long ago
		if v.Finished && time.Since(v.Started) > time.Hour {
			delete(j.jobs, k)
		}
	}
	j.jobs[id] = &importJob{Total: total, Started: time.Now()}
}

func (j *importJobs) update(id string, f func(*importJob)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if job, ok := j.jobs[id]; ok {
		f(job)
	}
}

func (j *importJobs) get(id string) (importJob, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.jobs[id]
	if !ok {
		return importJob{}, false
	}
	return *job, true
}
