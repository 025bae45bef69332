package models

import "sort"

// NoticeEvent describes one kind of notice: the variables its templates may
// use, and how it is treated by quiet hours and the marketing opt-out.
type NoticeEvent struct {
	Name string
	// Vars are the variables the event's templates may use beyond the
	// common ones (CommonNoticeVars).
	Vars []string
	// Urgent notices (arrival, one-time codes) ignore quiet hours.
	Urgent bool
	// Marketing notices (greetings, campaigns) respect the opt-out and need
	// consent; transactional ones do not.
	Marketing bool
	// SMSOnly notices never go to the in-app inbox or email (one-time codes:
	// the parent is not logged in yet).
	SMSOnly bool
	// ToStaff notices go to a member of staff, not a guardian.
	ToStaff bool
	// Money names the variables that carry fen and are shown as ¥.
	Money []string
	// PhoneVar names the variable holding the number an SMS-only notice
	// goes to instead of the recipient's own (a new number being verified).
	PhoneVar string
}

// CommonNoticeVars are available in every template.
var CommonNoticeVars = []string{"school", "guardian", "member", "campus", "date", "time"}

// NoticeEvents lists every event the notifier knows, in display order.
var NoticeEvents = []NoticeEvent{
	{Name: "arrival", Vars: []string{"class"}, Urgent: true},
	{Name: "purchase", Vars: []string{"amount", "points", "balance"}, Money: []string{"amount", "balance"}},
	{Name: "topup", Vars: []string{"amount", "bonus", "balance"}, Money: []string{"amount", "bonus", "balance"}},
	{Name: "points_earned", Vars: []string{"points", "balance", "reason"}},
	{Name: "points_expiring", Vars: []string{"points", "expires"}},
	{Name: "coupon_issued", Vars: []string{"coupon", "expires"}},
	{Name: "coupon_expiring", Vars: []string{"coupon", "expires"}},
	{Name: "tier_change", Vars: []string{"tier"}},
	{Name: "birthday", Vars: []string{"coupon"}, Marketing: true},
	{Name: "holiday", Vars: []string{"holiday", "message"}, Marketing: true},
	{Name: "complaint_update", Vars: []string{"status"}},
	{Name: "otp", Vars: []string{"code", "minutes"}, Urgent: true, SMSOnly: true},
	{Name: "daily_summary", Vars: []string{"staff", "checkins", "sales", "topups", "refunds", "new_members"}, ToStaff: true, Urgent: true,
		Money: []string{"sales", "topups", "refunds"}},
	{Name: "account_locked", Vars: []string{"staff", "username", "until", "ip"}, ToStaff: true, Urgent: true},
	// setup_test is the set-up wizard's "send a test": to the admin who asked.
	{Name: "setup_test", Vars: []string{"staff"}, ToStaff: true, Urgent: true},
}

// RegisterNoticeEvent adds an area's notice event (models/care's escalation
// and survey invitation) with its built-in texts per language (subject,
// body). Called at init, before any request; a name already known is ignored.
func RegisterNoticeEvent(ev NoticeEvent, texts map[string][2]string) {
	if _, ok := NoticeEventByName(ev.Name); ok {
		return
	}
	NoticeEvents = append(NoticeEvents, ev)
	t := map[string]defaultTemplate{}
	for lang, st := range texts {
		t[lang] = defaultTemplate{subject: st[0], body: st[1]}
	}
	defaultTemplates[ev.Name] = t
}

// noticeVarNames translate coded notice variables (var → code → lang → text).
var noticeVarNames = map[string]map[string]map[string]string{}

// RegisterNoticeVarNames lets an area have a coded variable (a complaint's
// status) shown in the recipient's language. Called at init.
func RegisterNoticeVarNames(name string, codes map[string]map[string]string) {
	noticeVarNames[name] = codes
}

// NoticeEventByName finds an event.
func NoticeEventByName(name string) (NoticeEvent, bool) {
	for _, e := range NoticeEvents {
		if e.Name == name {
			return e, true
		}
	}
	return NoticeEvent{}, false
}

// AllowedVars returns the variables an event's templates may use, sorted.
func (e NoticeEvent) AllowedVars() []string {
	out := append(append([]string{}, CommonNoticeVars...), e.Vars...)
	sort.Strings(out)
	return out
}

// noticeLangs are the languages a template exists in; zh-CN is the fallback.
var noticeLangs = []string{"zh-CN", "zh-TW", "en"}

// defaultTemplate is a built-in subject and body.
type defaultTemplate struct{ subject, body string }

// defaultTemplates are the texts a school starts with, per event and language.
// SMS uses the body only; email uses both.
var defaultTemplates = map[string]map[string]defaultTemplate{
	"arrival": {
		"zh-CN": {"{{member}}已到校", "【{{school}}】{{guardian}}您好，{{member}}已于{{time}}到达{{campus}}，请放心。"},
		"zh-TW": {"{{member}}已到校", "【{{school}}】{{guardian}}您好，{{member}}已於{{time}}到達{{campus}}，請放心。"},
		"en":    {"{{member}} has arrived", "[{{school}}] Dear {{guardian}}, {{member}} arrived at {{campus}} at {{time}}."},
	},
	"purchase": {
		"zh-CN": {"消费通知", "【{{school}}】{{member}}本次消费{{amount}}，获得{{points}}积分，储值余额{{balance}}。"},
		"zh-TW": {"消費通知", "【{{school}}】{{member}}本次消費{{amount}}，獲得{{points}}積分，儲值餘額{{balance}}。"},
		"en":    {"Purchase", "[{{school}}] {{member}} spent {{amount}} and earned {{points}} points. Stored value: {{balance}}."},
	},
	"topup": {
		"zh-CN": {"充值到账", "【{{school}}】{{member}}充值{{amount}}已到账，赠送{{bonus}}，当前储值余额{{balance}}。"},
		"zh-TW": {"儲值到帳", "【{{school}}】{{member}}儲值{{amount}}已到帳，贈送{{bonus}}，目前儲值餘額{{balance}}。"},
		"en":    {"Top-up received", "[{{school}}] {{amount}} topped up for {{member}}, bonus {{bonus}}. Stored value: {{balance}}."},
	},
	"points_earned": {
		"zh-CN": {"积分到账", "【{{school}}】{{member}}获得{{points}}积分（{{reason}}），当前积分{{balance}}。"},
		"zh-TW": {"積分到帳", "【{{school}}】{{member}}獲得{{points}}積分（{{reason}}），目前積分{{balance}}。"},
		"en":    {"Points earned", "[{{school}}] {{member}} earned {{points}} points ({{reason}}). Balance: {{balance}}."},
	},
	"points_expiring": {
		"zh-CN": {"积分即将过期", "【{{school}}】{{member}}有{{points}}积分将于{{expires}}过期，请尽快兑换使用。"},
		"zh-TW": {"積分即將過期", "【{{school}}】{{member}}有{{points}}積分將於{{expires}}過期，請盡快兌換使用。"},
		"en":    {"Points expiring soon", "[{{school}}] {{points}} of {{member}}'s points expire on {{expires}}. Redeem them soon."},
	},
	"coupon_issued": {
		"zh-CN": {"优惠券到账", "【{{school}}】{{member}}获得优惠券「{{coupon}}」，有效期至{{expires}}。"},
		"zh-TW": {"優惠券到帳", "【{{school}}】{{member}}獲得優惠券「{{coupon}}」，有效期至{{expires}}。"},
		"en":    {"New coupon", "[{{school}}] {{member}} received the coupon \"{{coupon}}\", valid until {{expires}}."},
	},
	"coupon_expiring": {
		"zh-CN": {"优惠券即将过期", "【{{school}}】{{member}}的优惠券「{{coupon}}」将于{{expires}}过期，别忘了使用哦。"},
		"zh-TW": {"優惠券即將過期", "【{{school}}】{{member}}的優惠券「{{coupon}}」將於{{expires}}過期，別忘了使用哦。"},
		"en":    {"Coupon expiring soon", "[{{school}}] {{member}}'s coupon \"{{coupon}}\" expires on {{expires}}."},
	},
	"tier_change": {
		"zh-CN": {"会员等级变更", "【{{school}}】{{member}}的会员等级已变更为{{tier}}。"},
		"zh-TW": {"會員等級變更", "【{{school}}】{{member}}的會員等級已變更為{{tier}}。"},
		"en":    {"Membership tier changed", "[{{school}}] {{member}} is now a {{tier}} member."},
	},
	"birthday": {
		"zh-CN": {"生日快乐", "【{{school}}】亲爱的{{member}}小朋友，祝你生日快乐，健康成长！{{school}}全体老师送上祝福。"},
		"zh-TW": {"生日快樂", "【{{school}}】親愛的{{member}}小朋友，祝你生日快樂，健康成長！{{school}}全體老師送上祝福。"},
		"en":    {"Happy birthday", "[{{school}}] Happy birthday, {{member}}! Best wishes from all the teachers at {{school}}."},
	},
	"holiday": {
		"zh-CN": {"{{holiday}}快乐", "【{{school}}】{{guardian}}您好，{{message}}{{school}}全体老师祝您{{holiday}}快乐！"},
		"zh-TW": {"{{holiday}}快樂", "【{{school}}】{{guardian}}您好，{{message}}{{school}}全體老師祝您{{holiday}}快樂！"},
		"en":    {"Happy {{holiday}}", "[{{school}}] Dear {{guardian}}, {{message}} Happy {{holiday}} from all of us at {{school}}!"},
	},
	"complaint_update": {
		"zh-CN": {"您的反馈有新进展", "【{{school}}】{{guardian}}您好，您反馈的问题有了新进展：{{status}}。"},
		"zh-TW": {"您的回饋有新進展", "【{{school}}】{{guardian}}您好，您回饋的問題有了新進展：{{status}}。"},
		"en":    {"Update on your feedback", "[{{school}}] Dear {{guardian}}, there is an update on your feedback: {{status}}."},
	},
	"otp": {
		"zh-CN": {"验证码", "【{{school}}】您的验证码是{{code}}，{{minutes}}分钟内有效，请勿告诉他人。"},
		"zh-TW": {"驗證碼", "【{{school}}】您的驗證碼是{{code}}，{{minutes}}分鐘內有效，請勿告訴他人。"},
		"en":    {"Your code", "[{{school}}] Your code is {{code}}, valid for {{minutes}} minutes. Do not share it."},
	},
	"setup_test": {
		"zh-CN": {"测试消息", "【{{school}}】{{staff}}您好，这是一条测试消息：短信和邮件设置可以正常使用。"},
		"zh-TW": {"測試訊息", "【{{school}}】{{staff}}您好，這是一則測試訊息：簡訊和郵件設定可以正常使用。"},
		"en":    {"Test message", "[{{school}}] Hello {{staff}}, this is a test: SMS and e-mail delivery work."},
	},
	"daily_summary": {
		"zh-CN": {"{{campus}}昨日简报 {{date}}", "{{staff}}您好，{{campus}} {{date}}：签到{{checkins}}人次，消费{{sales}}，充值{{topups}}，退费{{refunds}}，新会员{{new_members}}名。"},
		"zh-TW": {"{{campus}}昨日簡報 {{date}}", "{{staff}}您好，{{campus}} {{date}}：簽到{{checkins}}人次，消費{{sales}}，儲值{{topups}}，退費{{refunds}}，新會員{{new_members}}名。"},
		"en":    {"{{campus}} daily summary {{date}}", "Hello {{staff}}, {{campus}} on {{date}}: {{checkins}} check-ins, sales {{sales}}, top-ups {{topups}}, refunds {{refunds}}, {{new_members}} new members."},
	},
	"account_locked": {
		"zh-CN": {"账号已临时锁定：{{username}}", "{{staff}}您好，账号{{username}}因多次密码错误已被临时锁定至{{until}}（最后来源 {{ip}}）。如非本人操作，请检查。"},
		"zh-TW": {"帳號已暫時鎖定：{{username}}", "{{staff}}您好，帳號{{username}}因多次密碼錯誤已被暫時鎖定至{{until}}（最後來源 {{ip}}）。如非本人操作，請檢查。"},
		"en":    {"Account locked: {{username}}", "Hello {{staff}}, the account {{username}} was locked until {{until}} after repeated wrong passwords (last from {{ip}}). Please check if this was not expected."},
	},
}
