package demo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// ConsentText is the demo school's guardian consent (PIPL art. 31).
const ConsentText = `星卡会员服务家长授权书（2026-09 版）

为了给孩子办理会员卡、记录入园签到、发送到园通知和积分变动提醒，学校需要处理孩子及家长的以下信息：孩子姓名、性别、出生日期、班级、签到记录；家长姓名、手机号、与孩子关系、职业信息。
我们只在提供上述服务所必需的范围内使用这些信息，不会出售或向无关第三方提供；只有需要的教职工才能查看完整手机号，每一次查看孩子档案都会留下记录。
您可以随时到前台查询、更正、导出或删除孩子的信息，也可以撤回本授权；撤回后我们将不再向您发送通知。
本人作为孩子的监护人，已阅读并同意上述内容。`

var (
	demoSurnames   = []string{"张", "王", "李", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗", "高", "林", "郑", "梁", "谢", "唐", "许", "冯", "宋", "韩", "邓", "彭", "曹", "曾", "欧阳", "沈", "叶"}
	demoKidNames   = []string{"子涵", "欣怡", "梓涵", "一诺", "浩然", "宇轩", "梓萱", "诗涵", "俊熙", "沐宸", "若汐", "可馨", "雨桐", "思远", "天佑", "嘉怡", "明轩", "语桐", "锦程", "小明", "晓红", "子墨", "奕辰", "安琪", "佳怡", "昊天", "书瑶", "睿泽", "悦然", "星辰", "梓睿", "芷若", "一鸣", "乐瑶", "君浩", "思琪"}
	demoGirlNames  = map[string]bool{"欣怡": true, "梓萱": true, "诗涵": true, "若汐": true, "可馨": true, "雨桐": true, "嘉怡": true, "语桐": true, "晓红": true, "安琪": true, "佳怡": true, "书瑶": true, "悦然": true, "芷若": true, "乐瑶": true, "思琪": true}
	demoMumNames   = []string{"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "婷", "雪", "慧", "琳", "晶", "颖", "倩"}
	demoDadNames   = []string{"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "鹏", "斌", "浩", "建国", "志强"}
	demoJobs       = [][2]string{{"某科技公司", "总经理"}, {"区财政局", "副处长"}, {"市第一人民医院", "主治医师"}, {"中学", "教师"}, {"国有银行", "客户经理"}, {"外资企业", "财务总监"}, {"自营餐饮", "店主"}, {"街道办事处", "科员"}, {"建筑设计院", "工程师"}, {"物流公司", "司机"}, {"互联网公司", "产品经理"}, {"国企集团", "部门总监"}, {"律师事务所", "合伙人"}, {"", ""}}
	demoSources    = []string{"朋友推荐", "小区宣传", "网络搜索", "公众号", "路过看到", "老生家长推荐", ""}
	demoTags       = []string{"过敏:花生", "需午睡", "兴趣:钢琴", "校车", "兴趣:美术", "兴趣:舞蹈", "兴趣:编程"}
	demoClassNames = [][]string{{"小一班", "小二班", "中一班", "中二班", "大一班"}, {"托班", "小班", "中班", "大班", "英语兴趣班"}}
)

// demoMembers fills the demo school with classes, ~200 children in
// families with guardians (most of whom consented), cards, and a term of
// back-dated check-ins.
func demoMembers(ctx context.Context, d *School) error {
	if _, err := models.PublishConsent(ctx, d.DB.W, d.Now.AddDate(0, -3, 0), "2026-09", ConsentText); err != nil {
		return err
	}
	type cls struct {
		id, campus int64
		age        int // years old this year
	}
	var classes []cls
	for i, cp := range d.Campuses {
		if i >= len(demoClassNames) {
			break
		}
		for j, name := range demoClassNames[i] {
			c, err := models.CreateClass(ctx, d.DB.W, d.Now, cp.ID, name)
			if err != nil {
				return err
			}
			classes = append(classes, cls{c.ID, cp.ID, 3 + j%4})
		}
	}
	if len(classes) == 0 {
		return nil
	}
	r := d.Rand
	usedPhones := map[string]bool{}
	phone := func() string {
		for {
			p := fmt.Sprintf("1%c%d%08d", "358"[r.IntN(3)], r.IntN(10), r.IntN(100_000_000))
			if models.ValidMobile(p) && !usedPhones[p] {
				usedPhones[p] = true
				return p
			}
		}
	}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	actor := models.SystemActor
	var memberIDs []int64
	for len(memberIDs) < 200 {
		surname := pick(demoSurnames)
		job := demoJobs[r.IntN(len(demoJobs))]
		mumJob := demoJobs[r.IntN(len(demoJobs))]
		guardians := []models.NewGuardian{{Name: pick(demoSurnames) + pick(demoMumNames), Phone: phone(), Relation: "mother",
			Occupation: mumJob[0], Position: mumJob[1], Payer: r.IntN(2) == 0, Consent: r.IntN(10) < 9}}
		if r.IntN(3) > 0 {
			guardians = append(guardians, models.NewGuardian{Name: surname + pick(demoDadNames), Phone: phone(), Relation: "father",
				Occupation: job[0], Position: job[1], Payer: !guardians[0].Payer, Consent: r.IntN(10) < 8})
		}
		if r.IntN(8) == 0 {
			guardians = append(guardians, models.NewGuardian{Name: surname + pick([]string{"建华", "桂兰", "国强", "秀珍"}), Phone: phone(),
				Relation: "grandparent", Consent: true})
		}
		kids := 1
		if r.IntN(6) == 0 {
			kids = 2
		}
		var familyID int64
		for k := 0; k < kids && len(memberIDs) < 200; k++ {
			c := classes[r.IntN(len(classes))]
			given := pick(demoKidNames)
			gender := "male"
			if demoGirlNames[given] {
				gender = "female"
			}
			birth := time.Date(d.Now.Year()-c.age, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			in := models.NewMember{Name: surname + given, Gender: gender, BirthDate: birth.Format("2006-01-02"), CampusID: c.campus,
				ClassID: c.id, FamilyID: familyID, ReferralSource: pick(demoSources), Channel: "paper",
				Lifecycle: []string{models.LifecycleActive, models.LifecycleActive, models.LifecycleActive, models.LifecycleEnrolled}[r.IntN(4)]}
			if familyID == 0 {
				in.Guardians = guardians
			}
			if r.IntN(4) == 0 {
				in.Tags = []string{pick(demoTags)}
			}
			var m *models.Member
			err := d.DB.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				m, err = models.CreateMember(ctx, tx, d.Now.AddDate(0, -2, -r.IntN(30)), actor, in)
				return err
			})
			if err != nil {
				return err
			}
			familyID = m.FamilyID
			memberIDs = append(memberIDs, m.ID)
		}
	}
	return demoCheckins(ctx, d, memberIDs)
}

// demoCheckins writes a term of school-day arrivals (07:40–08:50) and
// departures (16:00–17:30), straight into the table: history sends no
// notices and earns no points.
func demoCheckins(ctx context.Context, d *School, memberIDs []int64) error {
	var rows []struct {
		ID       int64
		CampusID int64
		CardID   *int64
	}
	if err := d.DB.R.WithContext(ctx).Raw("SELECT id, campus_id, card_id FROM members WHERE id IN ?", memberIDs).Scan(&rows).Error; err != nil {
		return err
	}
	loc := d.Loc
	if loc == nil {
		loc = time.UTC
	}
	today := d.Now.In(loc)
	start := time.Date(today.Year(), 9, 1, 0, 0, 0, 0, loc)
	if today.Before(start.AddDate(0, 0, 7)) {
		start = time.Date(today.Year(), 2, 20, 0, 0, 0, 0, loc)
	}
	var batch []models.Checkin
	for day := start; day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for _, m := range rows {
			if d.Rand.IntN(100) < 7 { // off sick or on holiday
				continue
			}
			card := int64(0)
			if m.CardID != nil {
				card = *m.CardID
			}
			in := day.Add(7*time.Hour + 40*time.Minute + time.Duration(d.Rand.IntN(70))*time.Minute + time.Duration(d.Rand.IntN(60))*time.Second)
			out := day.Add(16*time.Hour + time.Duration(d.Rand.IntN(90))*time.Minute)
			ld := day.Format("2006-01-02")
			batch = append(batch,
				models.Checkin{MemberID: m.ID, CampusID: m.CampusID, CardID: card, Kind: models.CheckinArrival, At: in.UTC(), LocalDay: ld, ActorType: "system", Device: "demo"},
				models.Checkin{MemberID: m.ID, CampusID: m.CampusID, CardID: card, Kind: models.CheckinDeparture, At: out.UTC(), LocalDay: ld, ActorType: "system", Device: "demo"})
		}
	}
	if len(batch) == 0 {
		return nil
	}
	return d.DB.Tx(ctx, func(tx *gorm.DB) error {
		return tx.CreateInBatches(&batch, 500).Error
	})
}
