package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/webhooks"
)

// notifyConfig holds the flags of notification delivery and scheduled jobs.
type notifyConfig struct {
	worker       *bool
	jobs         *bool
	interval     *string
	noticeLease  *string
	jobLease     *string
	jobRetry     *string
	jobSweep     *string
	school       *string
	quiet        *string
	smtpHost     *string
	smtpPort     *string
	smtpUser     *string
	smtpPassword *string
	smtpFrom     *string
	smtpTLS      *string
	smsProvider  *string
	smsURL       *string
	smsKey       *string
	smsSign      *string
	smsTemplates *string
}

// notifyFlags declares the notification flags on f (each also reads
// STARCARD_<FLAG>, e.g. STARCARD_SMTP_PASSWORD).
func notifyFlags(f flags) *notifyConfig {
	return &notifyConfig{
		worker:       f.boolean("notify-worker", true, "deliver queued notices in this process"),
		jobs:         f.boolean("jobs", true, "run scheduled jobs (a database lease keeps one instance per run)"),
		interval:     f.str("notify-interval", "1s", "how often the worker looks for due notices"),
		noticeLease:  f.str("notify-lease", "2m", "how long a claimed notice is this instance's before another may send it (an instance that died)"),
		jobLease:     f.str("job-lease", "30m", "how long a job run may take before another instance assumes this one died"),
		jobRetry:     f.str("job-retry", "2m", "wait before a failed or abandoned job slot is tried again (doubling)"),
		jobSweep:     f.str("job-sweep", "", "how often to retry and catch up job slots (default: each minute on the minute)"),
		school:       f.str("school-name", "星卡", "the school's name in messages (the SMS signature)"),
		quiet:        f.str("quiet-hours", "22:00-07:00", "default quiet hours for guardians (arrival notices and codes are exempt)"),
		smtpHost:     f.str("smtp-host", "", "SMTP server for e-mail notices (empty: no e-mail)"),
		smtpPort:     f.str("smtp-port", "587", "SMTP port"),
		smtpUser:     f.str("smtp-user", "", "SMTP user name"),
		smtpPassword: f.str("smtp-password", "", "SMTP password"),
		smtpFrom:     f.str("smtp-from", "", "sender, e.g. 星卡 <noreply@school.cn>"),
		smtpTLS:      f.str("smtp-tls", "opportunistic", "SMTP TLS: mandatory, opportunistic or none"),
		smsProvider:  f.str("sms-provider", "log", "SMS provider: log (development: messages shown on the outbox page), http or none"),
		smsURL:       f.str("sms-url", "", "the SMS provider's HTTP endpoint (sms-provider=http)"),
		smsKey:       f.str("sms-key", "", "the SMS provider's API key"),
		smsSign:      f.str("sms-sign", "", "the registered SMS signature (签名)"),
		smsTemplates: f.str("sms-templates", "", "provider template ids per event, e.g. arrival=SMS_1001,otp=SMS_1002"),
	}
}

// delivery describes the channels for the set-up wizard's notice step.
func (c *notifyConfig) delivery() render.Delivery {
	d := render.Delivery{SMS: *c.smsProvider}
	if d.SMS == "" {
		d.SMS = "none"
	}
	if *c.smtpHost != "" {
		d.EmailFrom = *c.smtpFrom
	}
	return d
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// build turns the flags into the models' delivery configuration.
func (c *notifyConfig) build(loc *time.Location) (models.NotifyConfig, time.Duration, error) {
	cfg := models.NotifyConfig{School: *c.school, Loc: loc}
	from, to, ok := strings.Cut(*c.quiet, "-")
	if !ok {
		return cfg, 0, fmt.Errorf("quiet-hours %q: want HH:MM-HH:MM", *c.quiet)
	}
	var err error
	if cfg.QuietStart, err = parseClock(from); err != nil {
		return cfg, 0, fmt.Errorf("quiet-hours: %w", err)
	}
	if cfg.QuietEnd, err = parseClock(to); err != nil {
		return cfg, 0, fmt.Errorf("quiet-hours: %w", err)
	}
	interval, err := time.ParseDuration(*c.interval)
	if err != nil || interval <= 0 {
		return cfg, 0, fmt.Errorf("notify-interval %q: want a duration such as 1s", *c.interval)
	}
	if *c.smtpHost != "" {
		port, err := strconv.Atoi(*c.smtpPort)
		if err != nil {
			return cfg, 0, fmt.Errorf("smtp-port %q: %w", *c.smtpPort, err)
		}
		if *c.smtpFrom == "" {
			return cfg, 0, fmt.Errorf("smtp-from is required with smtp-host")
		}
		cfg.Email = &models.SMTPMail{Host: *c.smtpHost, Port: port, Username: *c.smtpUser, Password: *c.smtpPassword,
			From: *c.smtpFrom, TLS: *c.smtpTLS}
	}
	switch *c.smsProvider {
	case "log":
		cfg.SMS = models.LogSMS{}
	case "none", "":
	case "http":
		if *c.smsURL == "" {
			return cfg, 0, fmt.Errorf("sms-url is required with sms-provider=http")
		}
		tpl := map[string]string{}
		for _, kv := range strings.Split(*c.smsTemplates, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
				tpl[k] = v
			}
		}
		cfg.SMS = &models.HTTPSMS{URL: *c.smsURL, Key: *c.smsKey, Sign: *c.smsSign, Templates: tpl}
	default:
		return cfg, 0, fmt.Errorf("sms-provider %q: want log, http or none", *c.smsProvider)
	}
	return cfg, interval, nil
}

// startBackground starts the notice worker and the job scheduler for serve;
// the returned function stops both and waits for the message in hand.
func startBackground(ctx context.Context, d *render.Deps, c *notifyConfig) (func(), error) {
	cfg, interval, err := c.build(d.Loc)
	cfg.Secret = d.Secret // opens the one-time codes notices carry sealed
	if err != nil {
		return nil, err
	}
	durs := map[string]time.Duration{}
	for name, v := range map[string]string{"notify-lease": *c.noticeLease, "job-lease": *c.jobLease,
		"job-retry": *c.jobRetry, "job-sweep": *c.jobSweep} {
		if v == "" {
			continue
		}
		if durs[name], err = time.ParseDuration(v); err != nil || durs[name] <= 0 {
			return nil, fmt.Errorf("%s %q: want a duration such as 30s", name, v)
		}
	}
	cfg.Lease = durs["notify-lease"]
	if err := models.EnsureNoticeTemplates(ctx, d.DB.W, d.Now()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if *c.worker {
		w := models.NewWorker(d.DB, cfg, d.Now)
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx, interval) }()
		slog.Info("notice worker started", "holder", w.Holder, "sms", *c.smsProvider, "email", *c.smtpHost != "")
		hw := webhooks.NewWorker(d.DB, d.Now)
		wg.Add(1)
		go func() { defer wg.Done(); hw.Run(ctx, interval) }()
	}
	stopJobs := func() {}
	if *c.jobs {
		r := models.NewJobRunner(d.DB, d.Loc, d.Now, models.StandardJobs(d.DB, d.Loc))
		r.Lease, r.RetryBackoff, r.Sweep = durs["job-lease"], durs["job-retry"], durs["job-sweep"]
		stop, err := r.Start(ctx)
		if err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		stopJobs = stop
		slog.Info("scheduler started", "holder", r.Holder, "jobs", len(r.Jobs), "tz", d.Loc.String())
	}
	return func() {
		cancel()
		stopJobs()
		wg.Wait()
	}, nil
}
