package models

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// ImportTemplateXLSX is an empty roster to fill in and import: the header
// row and one example child, at the school's first campus and class when it
// has them.
func ImportTemplateXLSX(campus, class string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	example := []string{"张小明", "男", "2021-05-01", campus, class, "王芳", "13800138000", "妈妈", "", "", "", "", "", "", "", "", "是"}
	for i, h := range ImportColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, h); err != nil {
			return nil, fmt.Errorf("models: import template: %w", err)
		}
		cell, _ = excelize.CoordinatesToCellName(i+1, 2)
		if err := f.SetCellStr(sheet, cell, example[i]); err != nil {
			return nil, fmt.Errorf("models: import template: %w", err)
		}
	}
	if err := f.SetColWidth(sheet, "A", "Q", 12); err != nil {
		return nil, fmt.Errorf("models: import template: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("models: import template: %w", err)
	}
	return buf.Bytes(), nil
}
