package bankfeedstest

import (
	"net/http"
	"time"
)

// QBO Bank Feeds one-time credentials (#21, #22) and the Sage OTP (#26).

type credentialsJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// generateCredentials issues a new set of QBO Bank Feeds credentials; the
// earlier ones stay valid until deleteCredentials.
func (s *Server) generateCredentials(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	if !cn.platform.credentials {
		return notFound("Credentials are only available for QuickBooks Online Bank Feeds (hcws) connections.")
	}
	c := &credential{
		username: newCode(4) + "-" + newCode(4) + "-" + newCode(4),
		password: newCode(16),
	}
	cn.creds = append(cn.creds, c)
	return jsonResp(http.StatusOK, credentialsJSON{Username: c.username, Password: c.password})
}

// deleteCredentials revokes every set of credentials; feeds linked with
// them stop (their accounts become disconnected).
func (s *Server) deleteCredentials(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	if !cn.platform.credentials {
		return notFound("Credentials are only available for QuickBooks Online Bank Feeds (hcws) connections.")
	}
	cn.creds = nil
	for _, a := range cn.accounts {
		if a.linkedBy != "" && a.status == acctConnected {
			s.disconnectLocked(cn, a, q.now) // with the webhook (scenarios.go)
		}
	}
	return noContent(http.StatusNoContent)
}

// sageOTPLifetime is how long a Sage OTP is valid.
const sageOTPLifetime = time.Hour

type otpJSON struct {
	OTP    string `json:"otp"`
	Expiry string `json:"expiry"`
}

// generateOTP issues the one-time password a Sage user enters, with the
// connection id, inside Sage. Other platforms answer 400.
func (s *Server) generateOTP(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	if !cn.platform.sageOTP {
		return badRequest("A one-time password can only be generated for Sage Bank Feeds (olpr) connections.",
			item(cn.id, "OtpValidator", "the connection's platform is "+cn.platform.key))
	}
	o := otpCode{code: newCode(6), expires: stamp(q.now).Add(sageOTPLifetime)}
	cn.sageOTPs = append(cn.sageOTPs, o)
	return jsonResp(http.StatusOK, otpJSON{OTP: o.code, Expiry: formatTime(o.expires)})
}
