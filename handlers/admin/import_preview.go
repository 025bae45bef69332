package admin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// An upload is kept under DataDir/imports/<token><ext> between the preview
// and the commit, so the commit re-reads exactly what was previewed.
var uploadRe = regexp.MustCompile(`^[0-9a-f]{32}\.(csv|xlsx)$`)

// issueLine is one translated problem: "第12行：手机号格式不正确".
type issueLine struct {
	Line int
	Text string
}

func (m members) importForm(c *fiber.Ctx) error {
	campuses, err := m.campusesFor(c)
	if err != nil {
		return err
	}
	return m.Page(c, fiber.StatusOK, "admin/import", "", render.View{Title: m.T(c, "import.title"),
		D: fiber.Map{"Columns": models.ImportColumns, "NoCampus": len(campuses) == 0, "Template": true}})
}

func (m members) loadUpload(c *fiber.Ctx, name string) (*models.ImportPreview, error) {
	if !uploadRe.MatchString(name) {
		return nil, models.ErrImportFormat
	}
	data, err := os.ReadFile(filepath.Join(m.DataDir, "imports", name))
	if err != nil {
		return nil, models.ErrImportFormat
	}
	rows, err := models.ReadImportFile(name, data)
	if err != nil {
		return nil, err
	}
	return models.PreviewImport(c.UserContext(), m.DB.R, m.Now(), rows)
}

func (m members) translateIssues(c *fiber.Ctx, p *models.ImportPreview) []issueLine {
	out := make([]issueLine, 0, len(p.Issues))
	for _, is := range p.Issues {
		var msg string
		if (is.Key == "import.err_required" || is.Key == "import.err_long") && len(is.Args) == 1 {
			msg = m.T(c, is.Key, m.T(c, is.Args[0].(string)))
		} else {
			msg = m.T(c, is.Key, is.Args...)
		}
		out = append(out, issueLine{Line: is.Line, Text: m.T(c, "import.line", is.Line, msg)})
	}
	return out
}

// importPreview stores the upload and shows what it would import.
func (m members) importPreview(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return m.Page(c, fiber.StatusUnprocessableEntity, "admin/import", "", render.View{Title: m.T(c, "import.title"),
			Flash: m.T(c, "import.choose_file"), FlashKind: "error", D: fiber.Map{"Columns": models.ImportColumns}})
	}
	ext := ".csv"
	if strings.HasSuffix(strings.ToLower(fh.Filename), ".xlsx") {
		ext = ".xlsx"
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 8<<20))
	if err != nil {
		return err
	}
	name := models.NewToken(16) + ext
	dir := filepath.Join(m.DataDir, "imports")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("admin: import upload: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o640); err != nil {
		return fmt.Errorf("admin: import upload: %w", err)
	}
	p, err := m.loadUpload(c, name)
	if e, ok := models.AsError(err); ok {
		return m.Page(c, fiber.StatusUnprocessableEntity, "admin/import", "", render.View{Title: m.T(c, "import.title"),
			Flash: m.T(c, e.Key, e.Args...), FlashKind: "error", D: fiber.Map{"Columns": models.ImportColumns}})
	}
	if err != nil {
		return err
	}
	sample := p.Rows
	if len(sample) > 20 {
		sample = sample[:20]
	}
	return m.Page(c, fiber.StatusOK, "admin/import", "", render.View{Title: m.T(c, "import.title"), D: fiber.Map{
		"Columns": models.ImportColumns, "Preview": p, "Issues": m.translateIssues(c, p), "Sample": sample,
		"Upload": name, "Filename": fh.Filename, "IdemKey": models.NewToken(12)}})
}

// importCommit starts the import in the background and answers with the
// progress bar, which polls importJob. The import is one transaction run
// through RunIdempotent, so a resent form imports once.
func (m members) importCommit(c *fiber.Ctx) error {
	upload := c.FormValue("upload")
	validOnly := c.FormValue("mode") == "valid"
	p, err := m.loadUpload(c, upload)
	if err != nil {
		return err
	}
	if p.Invalid > 0 && !validOnly {
		return models.ErrImportHasErrors.With(p.Invalid)
	}
	u := render.User(c)
	idem := models.Idem{Scope: webScope(u), Key: c.FormValue("idem"),
		Hash: models.RequestHash([]byte("import"), []byte(upload), []byte(c.FormValue("mode")))}
	if !models.ValidIdempotencyKey(idem.Key) {
		return models.ErrIdempotencyKey
	}
	jobID := idem.Key
	if _, running := m.jobs.get(jobID); !running {
		m.jobs.start(jobID, len(p.Rows))
		now, actor := m.Now(), render.Actor(c)
		go func() {
			ctx := context.Background()
			out, err := models.RunIdempotent(ctx, m.DB, now, idem, func(tx *gorm.DB) (int, []byte, error) {
				n, err := models.CommitImport(ctx, tx, now, actor, p, validOnly, func(done, total int) {
					m.jobs.update(jobID, func(j *importJob) { j.Done = done })
				})
				return fiber.StatusOK, []byte(fmt.Sprint(n)), err
			})
			m.jobs.update(jobID, func(j *importJob) {
				j.Finished, j.Err = true, err
				if err == nil {
					fmt.Sscan(string(out.Body), &j.Imported)
					j.Done = j.Total
				}
			})
		}()
	}
	return m.importProgress(c, jobID)
}

func (m members) importJob(c *fiber.Ctx) error { return m.importProgress(c, c.Params("id")) }

func (m members) importProgress(c *fiber.Ctx, id string) error {
	job, ok := m.jobs.get(id)
	if !ok {
		return models.ErrNotFound
	}
	d := fiber.Map{"ID": id, "Job": job}
	if job.Err != nil {
		if e, ok := models.AsError(job.Err); ok {
			d["Error"] = m.T(c, e.Key, e.Args...)
		} else {
			d["Error"] = m.T(c, "err.internal")
		}
	}
	return m.Page(c, fiber.StatusOK, "admin/import", "progress", render.View{Title: m.T(c, "import.title"), D: d})
}
