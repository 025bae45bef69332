package models

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Workbook writes rows one after another into the sheets of an Excel file,
// the shape every export shares (the reports, complaint statistics, survey
// results): name a sheet, write rows, leave a gap, take the bytes.
type Workbook struct {
	f     *excelize.File
	sheet string
	row   int
}

// NewWorkbook starts a workbook whose first sheet is named first.
func NewWorkbook(first string) *Workbook {
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", first)
	return &Workbook{f: f, sheet: first, row: 1}
}

// Sheet adds a sheet and writes on from its first row.
func (w *Workbook) Sheet(name string) error {
	if _, err := w.f.NewSheet(name); err != nil {
		return fmt.Errorf("models: workbook sheet %q: %w", name, err)
	}
	w.sheet, w.row = name, 1
	return nil
}

// Row writes one row of values and moves to the next.
func (w *Workbook) Row(vals ...any) {
	for i, v := range vals {
		cell, _ := excelize.CoordinatesToCellName(i+1, w.row)
		_ = w.f.SetCellValue(w.sheet, cell, v)
	}
	w.row++
}

// Gap leaves one row empty.
func (w *Workbook) Gap() { w.row++ }

// Bytes returns the file and releases the workbook.
func (w *Workbook) Bytes() ([]byte, error) {
	defer w.f.Close()
	var buf bytes.Buffer
	if err := w.f.Write(&buf); err != nil {
		return nil, fmt.Errorf("models: workbook: %w", err)
	}
	return buf.Bytes(), nil
}
